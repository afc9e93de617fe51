"""Dunning pass over many open invoices in one firm.

Usage: python bench/dunning_pass.py [invoices=50000] [companies=5000]

Invoices are due spread over the last 120 days and the next 10, each company
has one client user. Three passes are timed:
  1. the first pass ever (every invoice is at some step: the worst case),
  2. the same pass again minutes later (nothing new: the steady-state scan),
  3. the next day (only invoices that reach a new step are reminded).
Each pass is committed as its job commits it, delivery jobs enqueued included.
Baseline, measured in the same run: one plain SELECT of the open invoices'
ids and due dates (what any pass must at least read).
"""

import sys
import time
from datetime import UTC, datetime, timedelta

from common import bench_app, report, timed
from sqlalchemy import insert, select

from tenants import db, tenant_context
from tenants.provision import provision_tenant
from yk_saas.accounts.models import User
from yk_saas.billing.dunning import run_dunning
from yk_saas.billing.models import Invoice
from yk_saas.clients.models import ClientCompany

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def fill(invoices: int, companies: int) -> None:
    ids = db.session.scalars(
        insert(ClientCompany).returning(ClientCompany.id),
        [{"name": f"Company {i}"} for i in range(companies)],
    ).all()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"c{cid}@bench.example.com",
                "name": f"Client {cid}",
                "role": "client",
                "password_hash": "x",
                "client_company_id": cid,
                "is_active": True,
            }
            for cid in ids
        ],
    )
    today = NOW.date()
    rows = [
        {
            "number": f"INV-2026-{i:06d}",
            "company_id": ids[i % companies],
            "source": "manual",
            "source_key": str(i),
            "description": "Bookkeeping",
            "amount_cents": 30000,
            "paid_cents": 0,
            "credited_cents": 0,
            "refunded_cents": 0,
            "currency": "CNY",
            "issued_on": today - timedelta(days=140),
            "due_on": today + timedelta(days=10 - i % 130),
            "status": "open",
        }
        for i in range(invoices)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Invoice), rows[start : start + 5000])
    db.session.commit()


def main(invoices: int = 50_000, companies: int = 5_000) -> None:
    app = bench_app()
    with app.app_context():
        provision_tenant("dun", "Dunning Bench", host="dun.bench.test")
        with tenant_context("dun"):
            fill(invoices, companies)
            base = timed(read_open_invoices)
            rows = [("baseline: SELECT of the open invoices", f"{base:.3f} s")]
            for label, now in (
                ("first pass", NOW),
                ("same day again", NOW + timedelta(minutes=30)),
                ("next day", NOW + timedelta(days=1)),
            ):
                start, cpu = time.perf_counter(), time.process_time()
                sent = run_dunning(now)
                db.session.commit()  # as the job's boundary does; enqueues the deliveries
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                rows.append(
                    (
                        label,
                        f"{seconds:.2f} s ({cpu:.2f} s of this process's CPU), {sent:,} reminders, "
                        + f"{seconds / base:.0f}× baseline",
                    )
                )
    report(f"Dunning pass: {invoices:,} open invoices, {companies:,} companies", rows)


def read_open_invoices() -> None:
    db.session.execute(select(Invoice.id, Invoice.due_on).where(Invoice.status == "open")).all()
    db.session.commit()


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
