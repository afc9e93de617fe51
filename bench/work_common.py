"""Set-up shared by the work benchmarks: a fresh database, firms, people and items in bulk.

Needs DATABASE_URL (a PostgreSQL server) and REDIS_URL; the benchmarks create
their own database (YK_BENCH_DB, default ``yk_bench_work``) and drop nothing else.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from tenants import db, tenant_context
from tenants.migrate import upgrade_public
from yk_saas import create_app
from yk_saas.embedded import database_url_on, ensure_database
from yk_saas.models_base import utcnow

PASSWORD = "Bench-pass-2026"


def bench_app(fresh: bool = True):
    """An app on the benchmark database, created afresh unless ``fresh`` is False."""
    server = os.environ["DATABASE_URL"]
    name = os.environ.get("YK_BENCH_DB", "yk_bench_work")
    if fresh:
        ensure_database(server, name, recreate=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url_on(server, name),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11"),
            "SECRET_KEY": "bench-secret-key-with-enough-length-0123456789",
            "TESTING": True,
            "PLATFORM_DOMAIN": "yk.bench",
            "SMTP_HOST": "",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 10},
        }
    )
    if fresh:
        with app.app_context():
            upgrade_public()
    return app


def make_firm(app, slug, accountants=2, policy="escalate", capacity=100000):
    """A firm with an owner, an admin, accountants, one client company and its client."""
    from yk_saas.accounts.services import create_user
    from yk_saas.clients.models import ClientCompany
    from yk_saas.platform.services import FirmSignup, signup_firm
    from yk_saas.work.services import get_settings

    with app.app_context():
        signup_firm(
            FirmSignup(
                firm_name=slug,
                slug=slug,
                owner_name="Owner",
                locale="en",
                email=f"owner@{slug}.example.com",
                password=PASSWORD,
            )
        )
        with tenant_context(slug):
            create_user(f"admin@{slug}.example.com", "Admin", "admin", PASSWORD)
            ids = [
                create_user(
                    f"acc{i}@{slug}.example.com", f"Accountant {i}", "accountant", PASSWORD
                ).id
                for i in range(accountants)
            ]
            company = ClientCompany(name=f"Client of {slug}")
            db.session.add(company)
            db.session.flush()
            client = create_user(
                f"client@{slug}.example.com",
                "Client",
                "client",
                PASSWORD,
                client_company_id=company.id,
            )
            settings = get_settings()
            settings.timeout_policy, settings.default_capacity = policy, capacity
            db.session.commit()
            return {
                "slug": slug,
                "accountants": ids,
                "company_id": company.id,
                "client_id": client.id,
            }


def insert_items(info, count, overdue=True, states=("new",)):
    """``count`` items straight into the table (the firm must be bound)."""
    from yk_saas.work.models import WorkItem

    now = utcnow()
    rows = []
    for n in range(count):
        state = states[n % len(states)]
        rows.append(
            {
                "kind": "request",
                "title": f"Item {n}",
                "request_type": "Other",
                "description": "",
                "urgency": "normal",
                "currency": "CNY",
                "client_company_id": info["company_id"],
                "created_by_id": info["client_id"],
                "state": state,
                "approval": "auto",
                "assignee_id": None
                if state == "new"
                else info["accountants"][n % len(info["accountants"])],
                "created_at": now - timedelta(hours=3),
                "claim_deadline": now - timedelta(minutes=1)
                if overdue
                else now + timedelta(hours=2),
                "last_progress_at": now,
            }
        )
    db.session.execute(insert(WorkItem), rows)
    db.session.commit()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


__all__ = ["bench_app", "insert_items", "make_firm", "ms", "percentile", "statistics", "timed"]
