"""An idle platform keeps its heartbeat: one ``worker.py`` over 100 idle firms for 60 s.

A marker job is enqueued on each queue every 10 s; none may starve (``low``
included: billing and dunning live there) and none may wait over 10 s. The
full form with figures is ``bench/idle_firms.py`` (results in bench/README.md).
"""

from sqlalchemy import select

from tenants import db
from tenants.models import Tenant
from tenants.provision import drop_tenant
from tests.support.idle import provision_idle_firms, run_idle

FIRMS = 100
PREFIX = "idlet"
SECONDS = 60
MAX_WAIT = 10.0


def test_idle_firms_leave_every_queue_responsive(app):
    with app.app_context():
        provision_idle_firms(FIRMS, PREFIX, app.config["PLATFORM_DOMAIN"])
        active = db.session.scalar(
            select(db.func.count()).select_from(Tenant).where(Tenant.status != "suspended")
        )
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PLATFORM_DOMAIN": app.config["PLATFORM_DOMAIN"],
        "SMTP_HOST": "",
        "YK_PERIODIC_JOBS": "1",
    }
    try:
        figures = run_idle(env, app.config["REDIS_URL"], SECONDS, 2, active)
    finally:
        with app.app_context():
            for i in range(FIRMS):
                drop_tenant(f"{PREFIX}{i:04d}")
    table = "\n".join(f"{name}: {value}" for name, value in figures.rows())
    print(f"\nidle platform, {FIRMS} firms, {SECONDS} s:\n{table}")  # the jobs/s figure, with -s
    assert all(figures.delays.get(name) for name in ("deadlines", "high", "default", "low"))
    assert not figures.never_started, table
    assert figures.worst_delay() <= MAX_WAIT, table
