"""Contracts, the billing run, gapless numbering, offline payments and balances."""

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tenants import db, tenant_context
from tests.support.billing import in_firm, new_company, new_invoice
from yk_saas import signals
from yk_saas.billing import services
from yk_saas.billing.models import Invoice, NumberCounter, Payment


@pytest.fixture
def alpha(app, firm_a):
    with app.app_context(), tenant_context("alpha"):
        yield firm_a


def contract_for(company_id, starts=date(2030, 1, 1), ends=date(2030, 6, 30), fee=30000):
    contract = services.create_contract(
        company_id, "Bookkeeping", "monthly", fee, "CNY", starts, billing_day=1, ends_on=ends
    )
    db.session.commit()
    return contract.id


def invoices_of(contract_id):
    return db.session.scalars(
        select(Invoice).where(Invoice.contract_id == contract_id).order_by(Invoice.period_start)
    ).all()


def test_billing_run_twice_creates_each_period_once(alpha):
    contract_id = contract_for(new_company())
    first = services.run_billing(date(2030, 3, 15))
    invoices = invoices_of(contract_id)
    # Other tests' contracts in the shared firm may still be catching up: count this one's.
    services.run_billing(date(2030, 3, 15))
    assert [i.id for i in invoices_of(contract_id)] == [i.id for i in invoices]
    assert [i.period_start for i in invoices] == [
        date(2030, 1, 1),
        date(2030, 2, 1),
        date(2030, 3, 1),
    ]
    assert first >= 3
    assert all(i.amount_cents == 30000 and i.currency == "CNY" for i in invoices)
    assert re.fullmatch(r"INV-2030-\d{5}", invoices[0].number)


def test_two_concurrent_billing_runs_create_one_invoice_per_period(app, fresh_firm):
    """A firm of its own: the test sets how many periods a run back-fills."""
    slug = fresh_firm["slug"]
    with app.app_context(), tenant_context(slug):
        contract_id = contract_for(new_company(), starts=date(2030, 1, 1), ends=date(2030, 12, 31))
        services.billing_settings().backfill_periods = 12  # one run bills the whole year
        db.session.commit()
    threads = [
        threading.Thread(target=in_firm, args=(app, slug, services.run_billing, date(2030, 12, 2)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with app.app_context(), tenant_context(slug):
        periods = [i.period_start for i in invoices_of(contract_id)]
    assert len(periods) == 12 == len(set(periods))


def take_invoice(company_id):
    invoice = services.create_invoice(
        services.NewInvoice(
            company_id=company_id,
            amount_cents=100,
            currency="CNY",
            description="n",
            source="manual",
            source_key=f"conc-{threading.get_ident()}-{id(object())}",
            issued_on=date(2041, 5, 1),
            due_on=date(2041, 5, 20),
        )
    )
    db.session.commit()
    return invoice.number


def test_twenty_concurrent_invoices_get_gapless_unique_numbers(app, alpha):
    company_id = new_company()
    numbers = []
    threads = [
        threading.Thread(
            target=lambda: numbers.append(in_firm(app, "alpha", take_invoice, company_id))
        )
        for _ in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, 21))


def test_a_rolled_back_invoice_gives_its_number_back(alpha):
    company_id = new_company()
    services.create_invoice(
        services.NewInvoice(
            company_id=company_id,
            amount_cents=100,
            currency="CNY",
            description="x",
            source="manual",
            source_key="rollback-1",
            issued_on=date(2042, 1, 1),
            due_on=date(2042, 1, 2),
        )
    )
    db.session.rollback()
    invoice_id = new_invoice(company_id, issued=date(2042, 1, 3))
    assert db.session.get(Invoice, invoice_id).number.endswith("2042-00001")


def test_partial_then_full_offline_payment_settles_the_balance(alpha):
    from yk_saas.accounts.models import User

    admin = db.session.get(User, alpha["ids"]["admin"])
    company_id = new_company()
    invoice_id = new_invoice(company_id, 50000)
    services.record_offline_payment(invoice_id, 20000, "cash", "", date(2026, 11, 3), admin)
    db.session.commit()
    assert services.company_outstanding(company_id) == {"CNY": 30000}
    with pytest.raises(services.BillingError):
        services.record_offline_payment(invoice_id, 30001, "cash", "", date(2026, 11, 3), admin)
    db.session.rollback()
    payment = services.record_offline_payment(
        invoice_id, 30000, "bank_transfer", "BT-1", date(2026, 11, 4), admin
    )
    db.session.commit()
    assert payment.receipt_number.startswith("RC-2026-")
    assert db.session.get(Invoice, invoice_id).status == "paid"
    assert services.company_outstanding(company_id) == {}


def test_a_credit_note_lowers_what_is_owed(alpha):
    from yk_saas.accounts.models import User

    invoice_id = new_invoice(new_company(), 40000)
    note = services.issue_credit_note(
        invoice_id, 10000, "Fee reduced", db.session.get(User, alpha["ids"]["admin"])
    )
    db.session.commit()
    assert note.number.startswith("CN-")
    assert db.session.get(Invoice, invoice_id).balance_cents == 30000


def test_a_placed_order_gets_one_invoice_however_often_the_signal_comes(
    app, firm_a, make_work_item
):
    item_id = make_work_item(firm_a, title="Order billed once")
    with app.app_context(), tenant_context("alpha"):
        company_id = new_company()
        for _ in range(2):
            signals.order_placed.send(
                app,
                item_id=item_id,
                client_company_id=company_id,
                amount_cents=88800,
                currency="CNY",
            )
            db.session.commit()
        rows = db.session.scalars(
            select(Invoice).where(Invoice.source == "order", Invoice.source_key == str(item_id))
        ).all()
    assert len(rows) == 1 and rows[0].amount_cents == 88800 and rows[0].company_id == company_id


def test_money_code_uses_no_float():
    from pathlib import Path

    package = Path(services.__file__).parent
    offenders = [
        f"{path.name}:{n}"
        for path in package.glob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bfloat\b|\d\.\d+\s*[*/]|[*/]\s*\d+\.\d", line)
    ]
    assert offenders == []


def test_every_amount_column_has_a_currency_beside_it():
    from yk_saas.billing import models

    for model in (
        models.Contract,
        models.Invoice,
        models.Payment,
        models.CreditNote,
        models.RefundRequest,
        models.ClientCredit,
    ):
        columns = model.__table__.columns.keys()
        assert "currency" in columns, model.__name__
        assert not any(
            str(c.type).startswith(("FLOAT", "REAL", "DOUBLE", "NUMERIC"))
            for c in model.__table__.columns
        ), model.__name__


def test_staff_records_a_payment_and_the_client_sees_a_zero_balance(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_x"], 12345)
        number = db.session.get(Invoice, invoice_id).number
    admin = signed_in(firm_a, "admin")
    response = admin.post(
        f"/desk/billing/invoices/{invoice_id}/payments",
        {
            "amount": "123.45",
            "method": "bank_transfer",
            "reference": "BT-77",
            "received_on": "2026-11-20",
        },
    )
    assert response.status_code == 302
    client = signed_in(firm_a, "client_x")
    page = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert number in page and "BT-77" not in page and "RC-2026-" in page
    assert client.get(f"/desk/billing/invoices/{invoice_id}").status_code == 403


def test_a_too_large_payment_is_refused_with_a_message(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_x"], 1000)
    response = signed_in(firm_a, "admin").post(
        f"/desk/billing/invoices/{invoice_id}/payments",
        {"amount": "10.01", "method": "cash", "received_on": "2026-11-20"},
    )
    assert response.status_code == 422
    assert "不超过尚欠金额" in response.get_data(as_text=True)


def test_client_y_invoices_are_not_found_for_client_x(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_y"], 1000)
    client = signed_in(firm_a, "client_x")
    assert client.get(f"/portal/billing/invoices/{invoice_id}").status_code == 404
    assert client.get(f"/portal/billing/invoices/{invoice_id}/pdf").status_code == 404


def test_accountants_see_only_their_clients_invoices_read_only(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        mine = new_invoice(new_company(accountant_id=firm_a["ids"]["accountant"]), 1000)
        other = new_invoice(new_company(accountant_id=firm_a["ids"]["accountant2"]), 1000)
    accountant = signed_in(firm_a, "accountant")
    assert accountant.get(f"/desk/billing/invoices/{mine}").status_code == 200
    assert accountant.get(f"/desk/billing/invoices/{other}").status_code == 404
    response = accountant.post(
        f"/desk/billing/invoices/{mine}/payments",
        {"amount": "1", "method": "cash", "received_on": "2026-11-20"},
    )
    assert response.status_code == 403


def test_counter_rows_stay_one_per_series_and_year(alpha):
    counts = db.session.execute(
        select(NumberCounter.series, NumberCounter.year, func.count()).group_by(
            NumberCounter.series, NumberCounter.year
        )
    ).all()
    assert all(n == 1 for _s, _y, n in counts)
    assert db.session.scalar(select(func.count(Payment.id))) is not None
