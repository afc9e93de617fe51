"""Billing run over many firms: time and invoices per second.

Usage: python bench/billing_run.py [firms=100] [contracts_per_firm=200]

Baseline, measured in the same run: inserting the same number of invoice rows
per firm in one plain INSERT (no numbering, no idempotency check). The ratio
says what the billing run's guarantees (gapless numbers under a row lock, one
invoice per period, a commit per contract) cost over raw insertion.
"""

import sys
import time
from datetime import date

from common import bench_app, report
from sqlalchemy import insert

from tenants import db, tenant_context
from tenants.provision import provision_tenant
from yk_saas.billing import services
from yk_saas.billing.models import Contract, Invoice
from yk_saas.clients.models import ClientCompany

TODAY = date(2026, 11, 23)


def fill_firm(contracts: int) -> None:
    companies = [{"name": f"Company {i}"} for i in range(contracts)]
    ids = db.session.scalars(insert(ClientCompany).returning(ClientCompany.id), companies).all()
    db.session.execute(
        insert(Contract),
        [
            {
                "company_id": cid,
                "plan": "Bookkeeping",
                "interval": "monthly",
                "fee_cents": 30000,
                "currency": "CNY",
                "starts_on": date(2026, 11, 1),
                "billing_day": 1,
                "payment_terms_days": 15,
                "is_active": True,
            }
            for cid in ids
        ],
    )
    db.session.commit()


def baseline_insert(contracts: int) -> None:
    ids = db.session.scalars(db.select(Contract.company_id)).all()
    db.session.execute(
        insert(Invoice),
        [
            {
                "number": f"BASE-{i}",
                "company_id": cid,
                "source": "baseline",
                "source_key": str(i),
                "description": "x",
                "amount_cents": 30000,
                "currency": "CNY",
                "issued_on": TODAY,
                "due_on": TODAY,
                "status": "void",
            }
            for i, cid in enumerate(ids)
        ],
    )
    db.session.commit()


def main(firms: int = 100, contracts: int = 200) -> None:
    app = bench_app()
    slugs = [f"bill{i:03d}" for i in range(firms)]
    with app.app_context():
        for slug in slugs:
            provision_tenant(slug, slug, host=f"{slug}.bench.test")
            with tenant_context(slug):
                fill_firm(contracts)
        base = each_firm(slugs, baseline_insert, contracts)
        run, created = each_firm(slugs, services.run_billing, TODAY)
        rerun, again = each_firm(slugs, services.run_billing, TODAY)
    report(
        f"Billing run: {firms} firms × {contracts} contracts",
        [
            ("invoices created", f"{created:,}"),
            ("baseline: plain INSERT of the same rows", f"{base[0]:.2f} s"),
            (
                "billing run",
                f"{run:.2f} s, {created / run:.0f} invoices/s, {run / base[0]:.1f}× baseline",
            ),
            (
                "re-run (nothing to do)",
                f"{rerun:.2f} s, {again} new, {rerun / base[0]:.2f}× baseline",
            ),
        ],
    )


def each_firm(slugs, fn, *args) -> tuple[float, int]:
    """Seconds to run ``fn(*args)`` in every firm, and the sum of what it returned."""
    total, start = 0, time.perf_counter()
    for slug in slugs:
        with tenant_context(slug):
            total += fn(*args) or 0
    return time.perf_counter() - start, total


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
