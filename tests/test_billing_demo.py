"""The demo firms come with money: contracts, invoices in every state, a refund under way."""

from sqlalchemy import select

from tenants import db, tenant_context
from yk_saas.billing.models import Contract, Invoice, Payment, RefundRequest


def test_demo_firms_have_contracts_invoices_payments_and_a_refund(app):
    from yk_saas.demo import seed_demo

    with app.app_context():
        seed_demo()
        with tenant_context("mingda"):
            invoices = db.session.scalars(select(Invoice)).all()
            assert db.session.scalars(select(Contract)).all()
            assert {"paid", "open"} <= {i.status for i in invoices}
            assert any(i.status == "open" and 0 < i.paid_cents < i.amount_cents for i in invoices)
            assert db.session.scalars(select(Payment)).all()
            assert [r.state for r in db.session.scalars(select(RefundRequest))] == ["proposed"]
