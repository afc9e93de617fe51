"""Dates typed into the product stay in a window around today, and billing back-fills at most the
firm's number of periods per contract and run (the contract from year 1 that made 24,314 invoices).
"""

from datetime import date

import pytest
from sqlalchemy import func, select

from tenants import current_tenant, db, tenant_context
from tests.support.billing import new_company
from yk_saas.billing import services
from yk_saas.billing.models import Contract, Invoice


@pytest.fixture
def alpha(app, firm_a):
    with app.app_context(), tenant_context("alpha"):
        yield firm_a


def in_alpha(app, work, *args):
    """``work(*args)`` with firm alpha bound, outside any request."""
    with app.app_context(), tenant_context("alpha"):
        return work(*args)


def contract_form(company_id, starts_on, **extra):
    return {
        "company_id": company_id,
        "plan": "Bookkeeping",
        "interval": "monthly",
        "fee": "300.00",
        "starts_on": starts_on,
        "billing_day": "1",
        "payment_terms_days": "15",
        **extra,
    }


def counts(company_id):
    db.session.remove()
    contracts = db.session.scalar(
        select(func.count(Contract.id)).where(Contract.company_id == company_id)
    )
    invoices = db.session.scalar(
        select(func.count(Invoice.id)).where(Invoice.company_id == company_id)
    )
    return contracts, invoices


@pytest.mark.parametrize("starts_on", ["0001-01-01", "1999-12-31", "9999-12-31", "2100-01-01"])
def test_a_contract_date_outside_the_window_is_refused_with_a_message(
    app, firm_a, signed_in_en, starts_on
):
    company_id = in_alpha(app, new_company)
    client = signed_in_en(firm_a, "owner")
    response = client.post("/desk/billing/contracts", contract_form(company_id, starts_on))
    assert response.status_code == 422
    assert "Enter a date between" in response.get_data(as_text=True)
    assert in_alpha(app, counts, company_id) == (0, 0)


def test_the_date_message_is_in_chinese_too(app, firm_a, signed_in):
    company_id = in_alpha(app, new_company)
    client = signed_in(firm_a, "owner")
    client.post("/lang", {"locale": "zh_CN", "next": "/"})
    response = client.post("/desk/billing/contracts", contract_form(company_id, "0001-01-01"))
    assert response.status_code == 422
    assert "之间的日期" in response.get_data(as_text=True)


def test_a_contract_older_than_the_backfill_needs_confirmation_and_bills_only_the_latest(
    app, firm_a, signed_in_en
):
    company_id = in_alpha(app, new_company)
    today = in_alpha(app, lambda: current_tenant().today())
    starts = services.add_months(date(today.year, today.month, 1), -9)  # ten periods begun
    client = signed_in_en(firm_a, "owner")
    refused = client.post("/desk/billing/contracts", contract_form(company_id, starts.isoformat()))
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "began 10 periods ago" in body and "latest 3" in body and "7 earlier periods" in body
    assert in_alpha(app, counts, company_id) == (0, 0)

    confirmed = client.post(
        "/desk/billing/contracts", contract_form(company_id, starts.isoformat(), bill_past="y")
    )
    assert confirmed.status_code == 302
    assert client.post("/desk/billing/run").status_code == 302
    assert client.post("/desk/billing/run").status_code == 302
    starts_of = lambda: db.session.scalars(
        select(Invoice.period_start)
        .where(Invoice.company_id == company_id)
        .order_by(Invoice.period_start)
    ).all()
    assert in_alpha(app, starts_of) == [services.add_months(starts, n) for n in (7, 8, 9)]


def test_a_contract_from_year_one_is_billed_only_its_latest_periods(alpha):
    """A contract stored before the window existed (or written around the form) gets the latest
    few periods billed, once; no run ever back-fills thousands of periods."""
    company_id = new_company()
    contract = Contract(
        company_id=company_id,
        plan="Old",
        interval="monthly",
        fee_cents=100,
        currency="CNY",
        starts_on=date(1, 1, 1),
        billing_day=1,
        payment_terms_days=15,
        is_active=True,
    )
    db.session.add(contract)
    db.session.commit()
    today = current_tenant().today()
    created = services.bill_contract(contract, today)
    db.session.commit()
    assert len(created) == services.billing_settings().backfill_periods == 3
    assert services.bill_contract(contract, today) == [], "a second run adds nothing"
    latest = [start for start, _end in services.contract_periods(contract, today)][-3:]
    billed = db.session.scalars(
        select(Invoice.period_start)
        .where(Invoice.contract_id == contract.id)
        .order_by(Invoice.period_start)
    ).all()
    assert billed == latest
    contract.is_active = False
    db.session.commit()


def test_the_backfill_is_a_firm_setting(app, firm_a, signed_in_en):
    client = signed_in_en(firm_a, "owner")
    page = client.get("/desk/admin/billing/settings").get_data(as_text=True)
    assert "Past periods a billing run invoices at most per contract" in page


def test_a_contract_starting_in_the_past_asks_before_creating_overdue_invoices(
    app, firm_a, signed_in
):
    """Two periods begun, both within the back-fill, one of them past its 15 days to pay: the
    form asks first (in the user's language, under the box to tick) and writes nothing."""
    company_id = in_alpha(app, new_company)
    today = in_alpha(app, lambda: current_tenant().today())
    starts = services.add_months(date(today.year, today.month, 1), -1)
    overdue = 1 + (today.day > 16)  # this month's invoice is overdue too after the 16th
    client = signed_in(firm_a, "owner")
    refused = client.post("/desk/billing/contracts", contract_form(company_id, starts.isoformat()))
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert f"将有 {overdue} 张账单一开出就已逾期" in body
    box = body.index('name="bill_past"')
    assert box < body.index("将有") < body.index("</div>", box)  # shown under the box to tick
    assert in_alpha(app, counts, company_id) == (0, 0)

    confirmed = client.post(
        "/desk/billing/contracts", contract_form(company_id, starts.isoformat(), bill_past="y")
    )
    assert confirmed.status_code == 302
    assert in_alpha(app, counts, company_id) == (1, 0)


def test_a_contract_starting_today_is_created_without_asking(app, firm_a, signed_in_en):
    company_id = in_alpha(app, new_company)
    today = in_alpha(app, lambda: current_tenant().today())
    client = signed_in_en(firm_a, "owner")
    response = client.post(
        "/desk/billing/contracts",
        contract_form(company_id, today.isoformat(), billing_day=str(min(today.day, 28))),
    )
    assert response.status_code == 302
