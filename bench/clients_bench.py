"""Dashboard and staff performance of a large firm: time and SQL queries per fragment.

A firm with 2,000 client companies (one client user each), 12 accountants,
24 months of books per client (48,000 ledger periods with figures), and
50,000 feedback records (5,000 complaints, 20,000 follow-ups, 25,000 survey
answers). Each page or fragment is requested several times; the median time
is reported as a ratio to the desk overview page measured in the same run.

Run (a PostgreSQL server and Redis are needed; the database is created anew):
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
    REDIS_URL=redis://127.0.0.1:6379/0 python bench/clients_bench.py
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine

from tenants import db, tenant_context
from tenants.migrate import upgrade_public
from yk_saas import create_app
from yk_saas.embedded import database_url_on, ensure_database

BENCH_DB = os.environ.get("YK_BENCH_DB", "yk_bench_clients")
COMPANIES, ACCOUNTANTS, MONTHS = int(os.environ.get("BENCH_COMPANIES", "2000")), 12, 24
COMPLAINTS, FOLLOWUPS, SURVEYS = 5000, 20000, 25000
REPEAT = 5
PASSWORD = "Correct-horse-9"
NOW = datetime.now(UTC)


def make_app():
    server = os.environ["DATABASE_URL"]
    ensure_database(server, BENCH_DB, recreate=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url_on(server, BENCH_DB),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "PLATFORM_DOMAIN": "yk.bench",
            "SECRET_KEY": "bench-secret-key-with-enough-length-0123456789",
            "STORAGE_DIR": tempfile.mkdtemp(prefix="yk-bench-"),
            "SMTP_HOST": "",
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade_public()
    return app


def seed(app):
    """Sign the firm up, then bulk-insert its people, companies, books and feedback."""
    from yk_saas.accounts.models import User
    from yk_saas.clients.models import ClientCompany
    from yk_saas.feedback.models import Complaint, FollowUp, SurveyResponse
    from yk_saas.ledgers.models import LedgerPeriod
    from yk_saas.platform.services import FirmSignup, signup_firm

    rng = random.Random(7)
    with app.app_context():
        signup_firm(
            FirmSignup(
                "Bench Firm", "bench", "Bench Owner", "owner@bench.example.com", PASSWORD, "en"
            )
        )
        with tenant_context("bench"):
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"acc{i}@bench.example.com",
                        "name": f"Accountant {i:02d}",
                        "role": "accountant",
                        "password_hash": "x",
                        "is_active": True,
                    }
                    for i in range(ACCOUNTANTS)
                ],
            )
            accountants = db.session.scalars(select(User.id).where(User.role == "accountant")).all()
            db.session.execute(
                insert(ClientCompany),
                [
                    {
                        "name": f"Bench Company {i:04d}",
                        "dedicated_accountant_id": accountants[i % ACCOUNTANTS],
                        "industry": rng.choice(["Retail", "Software", "Catering", "Trade"]),
                        "size": rng.choice(["micro", "small"]),
                        "tax_type": rng.choice(["small_scale", "general"]),
                        "status": "lost" if i % 20 == 0 else "active",
                        "lost_at": NOW - timedelta(days=rng.randrange(360))
                        if i % 20 == 0
                        else None,
                        "created_at": NOW - timedelta(days=rng.randrange(1100)),
                    }
                    for i in range(COMPANIES)
                ],
            )
            companies = db.session.execute(
                select(ClientCompany.id, ClientCompany.dedicated_accountant_id)
            ).all()
            db.session.execute(
                insert(User),
                [
                    {
                        "email": f"c{cid}@bench.example.com",
                        "name": f"Client {cid}",
                        "role": "client",
                        "password_hash": "x",
                        "is_active": True,
                        "client_company_id": cid,
                    }
                    for cid, _acc in companies
                ],
            )
            users = dict(
                db.session.execute(
                    select(User.client_company_id, User.id).where(User.role == "client")
                ).all()
            )
            seed_books(companies, rng, LedgerPeriod)
            seed_feedback(companies, users, rng, Complaint, FollowUp, SurveyResponse)
            db.session.commit()


def seed_books(companies, rng, LedgerPeriod):
    for cid, _acc in companies:
        rows = []
        for back in range(MONTHS):
            index = NOW.year * 12 + NOW.month - 2 - back
            revenue = rng.randrange(1_000_000, 50_000_000)
            rows.append(
                {
                    "company_id": cid,
                    "period": f"{index // 12:04d}-{index % 12 + 1:02d}",
                    "currency": "CNY",
                    "revenue": revenue,
                    "costs": revenue * 8 // 10,
                    "profit": revenue * 2 // 10,
                    "vat": revenue * 3 // 100,
                    "income_tax": revenue // 100,
                    "cash_balance": rng.randrange(10_000_000),
                    "delivered_at": NOW - timedelta(days=30 * back),
                }
            )
        db.session.execute(insert(LedgerPeriod), rows)


def seed_feedback(companies, users, rng, Complaint, FollowUp, SurveyResponse):
    def when():
        return NOW - timedelta(minutes=rng.randrange(60 * 24 * 730))

    db.session.execute(
        insert(Complaint),
        [
            {
                "company_id": cid,
                "title": "Late",
                "description": "…",
                "created_at": when(),
                "state": rng.choice(["new", "investigating", "resolved", "rejected"]),
            }
            for cid, _acc in (rng.choice(companies) for _ in range(COMPLAINTS))
        ],
    )
    db.session.execute(
        insert(FollowUp),
        [
            {
                "company_id": cid,
                "accountant_id": acc,
                "scheduled_for": when().date(),
                "method": "phone",
                "done_at": when(),
                "outcome": "ok",
                "satisfaction": rng.randrange(1, 6),
                "created_at": NOW,
            }
            for cid, acc in (rng.choice(companies) for _ in range(FOLLOWUPS))
        ],
    )
    rows = []
    for n in range(SURVEYS):
        cid, acc = companies[n % len(companies)]
        year, quarter = 2020 + (n // len(companies)) // 4, (n // len(companies)) % 4 + 1
        rows.append(
            {
                "round": f"{year}-Q{quarter}",
                "company_id": cid,
                "user_id": users[cid],
                "accountant_id": acc,
                "sent_at": NOW,
                "score": rng.randrange(11),
                "answered_at": when(),
            }
        )
    db.session.execute(insert(SurveyResponse), rows)


class QueryCounter:
    """Counts statements on every engine (firm-bound engines included)."""

    def __init__(self):
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self.tick)

    def tick(self, *args, **kwargs):
        self.count += 1


def measure(client, counter, path):
    """(median seconds, queries of one request, status) of GET path."""
    times, queries, status = [], 0, 0
    for _ in range(REPEAT):
        counter.count = 0
        start = time.perf_counter()
        response = client.get(path, headers={"HX-Request": "true"})
        times.append(time.perf_counter() - start)
        queries, status = counter.count, response.status_code
    return statistics.median(times), queries, status


def main():
    from tests.support.http import HostClient

    app = make_app()
    started = time.perf_counter()
    seed(app)
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    client = HostClient(app, "bench.yk.bench")
    assert client.login("owner@bench.example.com").status_code == 302
    with app.app_context():
        counter = QueryCounter()
        year = str(NOW.year)
        paths = [
            "/desk/",
            "/desk/admin/dashboards/",
            "/desk/admin/dashboards/cards/clients-new-lost",
            "/desk/admin/dashboards/cards/client-risk",
            "/desk/admin/dashboards/cards/complaints",
            "/desk/admin/dashboards/clients",
            "/desk/staff/performance",
            f"/desk/staff/performance?period={year}",
            "/desk/staff/performance.csv",
            "/desk/staff/performance/2",
            "/desk/ledgers/",
            "/desk/clients/",
        ]
        results = [(path, *measure(client, counter, path)) for path in paths]
    baseline = results[0][1]
    print(f"{'path':48} {'ms':>8} {'× overview':>11} {'queries':>8} status")
    for path, seconds, queries, status in results:
        print(f"{path:48} {seconds * 1000:8.1f} {seconds / baseline:11.1f} {queries:8d} {status}")


if __name__ == "__main__":
    main()
