"""Demo money: contracts for every demo client, a year of invoices in different states,
payments, and one refund under way."""

from datetime import date, timedelta

from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.billing import refunds, services
from yk_saas.billing.models import Invoice
from yk_saas.clients.models import ClientCompany

PLANS = [("小规模纳税人代理记账", 30000), ("一般纳税人代理记账", 80000), ("零申报代理记账", 20000)]
PLANS_EN = [
    ("Monthly bookkeeping", 30000),
    ("Bookkeeping and VAT returns", 80000),
    ("Nil returns", 20000),
]


def populate_money(demo) -> None:
    """Contracts from four months ago, billed up to today, paid in a realistic mix."""
    firm = current_tenant()
    plans = PLANS if demo.locale == "zh_CN" else PLANS_EN
    owner = db.session.scalar(select(User).where(User.role == "owner"))
    today = current_tenant().today()
    start = services.add_months(date(today.year, today.month, 1), -4)
    companies = db.session.scalars(select(ClientCompany).order_by(ClientCompany.id)).all()
    services.billing_settings().backfill_periods = 6  # the demo bills its five months at once
    for index, company in enumerate(companies):
        plan, fee = plans[index % len(plans)]
        services.create_contract(
            company.id,
            plan,
            "monthly",
            fee,
            firm.currency,
            start,
            billing_day=1,
            payment_terms_days=15,
        )
    db.session.commit()
    services.run_billing(today)
    settle_some(owner, today)
    db.session.commit()


def settle_some(owner: User, today: date) -> None:
    """Older invoices paid, one partly paid, the newest open or overdue; one refund."""
    invoices = db.session.scalars(select(Invoice).order_by(Invoice.company_id, Invoice.id)).all()
    by_company: dict[int, list[Invoice]] = {}
    for invoice in invoices:
        by_company.setdefault(invoice.company_id, []).append(invoice)
    for position, rows in enumerate(by_company.values()):
        for invoice in rows[:-2] if position == 0 else rows[:-1]:
            services.record_offline_payment(
                invoice.id,
                invoice.balance_cents,
                "bank_transfer",
                f"BT{invoice.id:06d}",
                invoice.due_on - timedelta(days=2),
                owner,
            )
        if position == 1:
            services.record_offline_payment(
                rows[-1].id, rows[-1].amount_cents // 2, "cash", "", today, owner
            )
    first = by_company and next(iter(by_company.values()))[0]
    if first:
        client = db.session.scalar(select(User).where(User.client_company_id == first.company_id))
        if client is not None:
            refund = refunds.request_refund(
                first,
                "本月账目有误，重复申报一次，申请退还部分费用。"
                if current_tenant().locale == "zh_CN"
                else "The month was booked twice; please refund part of it.",
                client,
            )
            refunds.move(refund, "propose", owner, None, first.paid_cents // 2)
