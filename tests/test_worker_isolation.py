"""Jobs of several firms in one long-lived worker process: nothing carries over between jobs."""

import time

from flask import g, has_app_context
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import select

from tenants import db
from tenants.binding import bind, bound_schema, load_tenant_info
from tenants.jobs import platform_job, tenant_job
from worker import IsolatingWorker, queue_order
from yk_saas.accounts.models import User
from yk_saas.extensions import QUEUE_NAMES


@tenant_job
def probe(marker: str) -> dict:
    """Report what this job found on arrival, then leave some state behind."""
    seen = {
        "schema": bound_schema(),
        "leftover_g": getattr(g, "leftover", None),
        "identity_map": len(db.session.identity_map),
    }
    g.leftover = marker
    user = db.session.scalars(select(User).order_by(User.id)).first()
    user.name = f"{marker} (not committed)"
    db.session.flush()
    seen["owner_email"] = user.email
    raise_after = marker.endswith("!")
    if raise_after:
        raise RuntimeError("the job crashed half-way")
    db.session.rollback()
    return seen


@platform_job
def unbound_probe() -> dict:
    """A platform job: no firm must be bound when it starts."""
    return {
        "schema": bound_schema(),
        "leftover_g": getattr(g, "leftover", None),
        "app_context": has_app_context(),
    }


@platform_job
def leaks_a_binding(slug: str) -> None:
    """A careless job: binds a firm and never unbinds it, then crashes."""
    bind(load_tenant_info(slug))
    db.session.remove()
    g.leftover = slug
    db.session.scalars(select(User)).first()
    raise RuntimeError("crashed while bound")


@platform_job
def too_slow() -> None:
    time.sleep(10)


def run_in_one_process(app, redis, jobs):
    """Enqueue ``jobs`` (function, args, options) and run them in this very process."""
    q = Queue("default", connection=redis)
    q.empty()
    enqueued = [q.enqueue(fn, *args, **options) for fn, args, options in jobs]
    IsolatingWorker.flask_app = app
    IsolatingWorker([q], connection=redis).work(burst=True, with_scheduler=False)
    for job in enqueued:
        job.refresh()
    return enqueued


def test_jobs_of_two_firms_alternating_in_one_process_share_nothing(app, firm_a, firm_b, redis):
    jobs = [
        (probe, ("alpha", "a1"), {}),
        (probe, ("bravo", "b1"), {}),
        (probe, ("alpha", "a2!"), {}),  # crashes with a flushed, uncommitted change
        (probe, ("bravo", "b2"), {}),
        (leaks_a_binding, ("alpha",), {}),
        (unbound_probe, (), {}),
        (too_slow, (), {"job_timeout": 1}),
        (probe, ("bravo", "b3"), {}),
        (unbound_probe, (), {}),
    ]
    a1, b1, a2, b2, leak, after_leak, slow, b3, after_slow = run_in_one_process(app, redis, jobs)
    with app.app_context():
        schema_a, schema_b = (load_tenant_info(s).schema_name for s in ("alpha", "bravo"))
    assert a1.return_value()["schema"] == schema_a
    for job in (b1, b2, b3):
        seen = job.return_value()
        assert seen["schema"] == schema_b, seen
        assert seen["owner_email"] != a1.return_value()["owner_email"]
    for job in (a1, b1, b2, b3):
        seen = job.return_value()
        assert seen["leftover_g"] is None and seen["identity_map"] == 0, seen
    assert a2.get_status() == JobStatus.FAILED and leak.get_status() == JobStatus.FAILED
    assert "crashed while bound" in leak.latest_result().exc_string
    assert slow.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in slow.latest_result().exc_string
    for job in (after_leak, after_slow):
        assert job.return_value() == {"schema": None, "leftover_g": None, "app_context": True}
    # The crashed job's change was rolled back, not committed by a later job.
    from tenants import tenant_context

    with app.app_context(), tenant_context("alpha"):
        names = db.session.scalars(select(User.name)).all()
    assert not any("not committed" in name for name in names)


def test_every_process_takes_deadlines_first_and_one_takes_low_first():
    for processes in (2, 3, 4):
        orders = [queue_order(i, processes)[0] for i in range(processes)]
        assert all(order[0] == "deadlines" for order in orders)
        assert all(sorted(order) == sorted(QUEUE_NAMES) for order in orders)
        assert sum(order[1] == "low" for order in orders) == 1
        assert sum(order[1] == "high" for order in orders) == processes - 1
    assert queue_order(0, 1)[1].value == "round_robin"
