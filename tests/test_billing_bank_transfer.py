"""Bank transfer: the firm's account on invoices, payment references, matching a transfer."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support.billing import new_company, new_invoice
from tests.support.work import firm as in_firm
from yk_saas.accounts.models import User
from yk_saas.audit.models import AuditEntry
from yk_saas.billing import bank, services
from yk_saas.billing.models import Invoice, Payment, ReminderSent

ACCOUNT = {
    "bank_account_name": "上海某某会计服务有限公司",
    "bank_name": "招商银行",
    "bank_branch": "上海陆家嘴支行",
    "bank_account_number": "6214 8312 3456 7890",
}


def settings_form(**changes):
    """The whole billing settings form as a manager sends it, with ``changes``."""
    return {
        "invoice_prefix": "INV",
        "late_fee_kind": "none",
        "late_fee_value": "0",
        "reminder_cooldown_hours": "24",
        "quiet_start_hour": "21",
        "quiet_end_hour": "9",
        "backfill_periods": "3",
        **ACCOUNT,
        **changes,
    }


@pytest.fixture
def alpha(app, firm_a):
    """The shared firm bound, messages in English."""
    from flask_babel import force_locale

    with app.app_context(), tenant_context("alpha"), force_locale("en"):
        yield firm_a


def manager(firm) -> User:
    return db.session.get(User, firm["ids"]["admin"])


# --- references -----------------------------------------------------------------------------


def test_payment_reference_is_stable_short_and_catches_a_typo():
    reference = bank.payment_reference("INV-2026-00012")
    assert reference == bank.payment_reference("inv-2026-00012") == "INV20260001273"
    assert bank.is_valid_reference(reference) and bank.is_valid_reference("inv-2026-000127 3")
    for typo in ("INV20260001283", "INV20260002173", "INV20260001237"):
        assert not bank.is_valid_reference(typo), typo
    assert bank.references_in(f"货款 {reference}/INV20260001374 x") == ["INV202600012"]
    # Two invoice numbers never share a reference.
    references = {bank.payment_reference(f"INV-2026-{n:05d}") for n in range(1, 2000)}
    assert len(references) == 1999


def test_staff_find_an_invoice_by_its_payment_reference(app, firm_a, signed_in):
    with in_firm(app, "alpha"):
        company_id = new_company()
        invoice = db.session.get(Invoice, new_invoice(company_id, 12300)).number
        other = db.session.get(Invoice, new_invoice(company_id, 45600)).number
    admin = signed_in(firm_a, "admin")
    for query in (bank.payment_reference(invoice), invoice, invoice.lower()):
        page = admin.get("/desk/billing/", query_string={"q": query}).get_data(as_text=True)
        assert invoice in page and other not in page, query
    page = admin.get("/desk/billing/", query_string={"q": "NOPE-1"}).get_data(as_text=True)
    assert invoice not in page


# --- the firm's account ---------------------------------------------------------------------


def test_bank_details_are_validated_and_shown_on_desk_portal_and_pdf(
    app, fresh_firm, signed_in, signed_in_en, make_invoice
):
    admin = signed_in_en(fresh_firm, "admin")
    for bad, message in (
        ({"bank_account_number": "6214-8312-3456"}, "digits only"),
        ({"bank_account_number": "1234 567"}, "8 to 30 digits"),
        ({"bank_account_number": "1" * 31}, "8 to 30 digits"),
        ({"bank_name": ""}, "Enter the account name and the bank"),
    ):
        answer = admin.post("/desk/admin/billing/settings", settings_form(**bad))
        assert answer.status_code == 422, bad
        assert message in answer.get_data(as_text=True), bad
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        assert services.billing_settings().bank_account_number is None

    assert admin.post("/desk/admin/billing/settings", settings_form()).status_code == 302
    invoice_id = make_invoice(fresh_firm, fresh_firm["ids"]["company_x"], amount=88000)
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        settings = services.billing_settings()
        assert settings.bank_account_number == "6214831234567890"
        reference = bank.payment_reference(db.session.get(Invoice, invoice_id).number)
        audit = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "billing_settings_changed")
        )
        assert audit.details["bank_account"] == "6214 8312 3456 7890"

    desk = admin.get(f"/desk/billing/invoices/{invoice_id}").get_data(as_text=True)
    client = signed_in(fresh_firm, "client_x")
    portal = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    for page in (desk, portal):
        assert "6214 8312 3456 7890" in page and "招商银行" in page and "上海陆家嘴支行" in page
        assert reference in page
    pdf = client.get(f"/portal/billing/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_html(app, fresh_firm["slug"], invoice_id)
    assert reference in text and "6214 8312 3456 7890" in text and "招商银行" in text

    # Cleared: the invoice still gives its reference, without an account.
    cleared = {k: "" for k in ACCOUNT}
    assert admin.post("/desk/admin/billing/settings", settings_form(**cleared)).status_code == 302
    portal = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert reference in portal and "6214" not in portal


def pdf_html(app, slug, invoice_id) -> str:
    """The HTML the invoice PDF is printed from."""
    from flask import render_template

    from tenants import current_tenant
    from yk_saas.billing.pdf import pdf_context

    with app.test_request_context(), tenant_context(slug):
        invoice = db.session.get(Invoice, invoice_id)
        return render_template(
            "billing/invoice_pdf.html", firm=current_tenant(), **pdf_context(invoice)
        )


# --- matching transfers ---------------------------------------------------------------------


def test_one_transfer_pays_several_invoices_and_leaves_the_last_partly_paid(alpha):
    company_id = new_company()
    first = new_invoice(company_id, 30000, due=date(2030, 1, 10))
    second = new_invoice(company_id, 20000, due=date(2030, 2, 10))
    third = new_invoice(company_id, 10000, due=date(2030, 3, 10))
    payments = bank.record_bank_transfer(
        company_id, 45001, [third, first, second], "TRF 1", date(2030, 3, 1), manager(alpha)
    )
    db.session.commit()
    assert [(p.invoice_id, p.amount_cents) for p in payments] == [(first, 30000), (second, 15001)]
    assert len({p.receipt_number for p in payments}) == 2
    invoices = {i: db.session.get(Invoice, i) for i in (first, second, third)}
    assert invoices[first].status == "paid" and invoices[first].balance_cents == 0
    assert invoices[second].status == "open" and invoices[second].balance_cents == 4999
    assert invoices[third].paid_cents == 0
    # A second transfer finishes the partly paid one: an invoice paid by two transfers.
    bank.record_bank_transfer(company_id, 4999, [second], "TRF 2", date(2030, 3, 2), manager(alpha))
    db.session.commit()
    assert db.session.get(Invoice, second).status == "paid"
    assert db.session.scalars(
        select(Payment.amount_cents).where(Payment.invoice_id == second).order_by(Payment.id)
    ).all() == [15001, 4999]
    entry = db.session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "bank_transfer_matched", AuditEntry.target_id == company_id)
        .order_by(AuditEntry.id)
    )
    assert entry.details["amount_cents"] == 45001
    assert entry.details["payments"] == {str(first): 30000, str(second): 15001}


def test_a_transfer_above_what_is_open_or_across_companies_changes_nothing(alpha):
    company_id, other_company = new_company(), new_company()
    one = new_invoice(company_id, 30000)
    two = new_invoice(company_id, 20000)
    theirs = new_invoice(other_company, 10000)
    cases = (
        (50001, [one, two], "more than the ticked invoices still owe"),
        (100, [one, theirs], "one client company only"),
        (0, [one], "more than zero"),
        (100, [], "Tick the invoices"),
    )
    for amount, ids, message in cases:
        with pytest.raises(services.BillingError, match=message):
            bank.record_bank_transfer(
                company_id, amount, ids, "x", date(2030, 3, 1), manager(alpha)
            )
        db.session.rollback()
    assert (
        db.session.scalars(
            select(Payment.id).where(Payment.invoice_id.in_([one, two, theirs]))
        ).all()
        == []
    )
    # A void invoice cannot be paid.
    db.session.get(Invoice, two).status = "void"
    db.session.commit()
    with pytest.raises(services.BillingError, match="not open"):
        bank.record_bank_transfer(company_id, 100, [two], "x", date(2030, 3, 1), manager(alpha))
    db.session.rollback()


def test_manager_matches_a_transfer_on_the_desk_with_receipts(app, firm_a, signed_in):
    with in_firm(app, "alpha"):
        company_id = new_company()
        one = new_invoice(company_id, 30000, due=date(2030, 1, 10))
        two = new_invoice(company_id, 20000, due=date(2030, 2, 10))
        ref_two = bank.payment_reference(db.session.get(Invoice, two).number)
    admin = signed_in(firm_a, "admin")
    # Found by the reference the client quoted: the company is chosen and the invoice ticked.
    page = admin.get("/desk/billing/transfers", query_string={"reference": f"付款 {ref_two}"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(rf'value="{two}" id="pick-{two}" checked', html)
    assert re.search(rf'value="{one}" id="pick-{one}">', html)

    form = {
        "company_id": company_id,
        "invoice_ids": [one, two],
        "received_on": "2026-11-20",
        "reference": ref_two,
    }
    too_much = admin.post("/desk/billing/transfers", {**form, "amount": "500.01"})
    assert too_much.status_code == 422
    assert "¥500.01" in too_much.get_data(as_text=True)
    assert "超过了所勾选账单的欠款" in too_much.get_data(as_text=True)  # the firm's language
    with in_firm(app, "alpha"):
        assert db.session.get(Invoice, one).paid_cents == 0

    assert admin.post("/desk/billing/transfers", {**form, "amount": "400.00"}).status_code == 302
    with in_firm(app, "alpha"):
        payments = db.session.scalars(
            select(Payment).where(Payment.invoice_id.in_([one, two])).order_by(Payment.id)
        ).all()
        assert [(p.invoice_id, p.amount_cents, p.method) for p in payments] == [
            (one, 30000, "bank_transfer"),
            (two, 10000, "bank_transfer"),
        ]
        receipt_id = payments[1].id
    receipt = admin.get(f"/desk/billing/payments/{receipt_id}/receipt")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    # Accountants do not record money.
    assert signed_in(firm_a, "accountant").get("/desk/billing/transfers").status_code == 403


def test_a_transfer_for_another_firms_company_is_not_found(app, firm_a, firm_b, signed_in):
    with in_firm(app, "alpha"):
        company_id = new_company()
        invoice_id = new_invoice(company_id, 30000)
    admin = signed_in(firm_b, "admin")
    assert admin.get(f"/desk/billing/transfers?company_id={company_id}").status_code == 404
    answer = admin.post(
        "/desk/billing/transfers",
        {
            "company_id": company_id,
            "invoice_ids": [invoice_id],
            "amount": "1",
            "received_on": "2026-11-20",
        },
    )
    assert answer.status_code == 404
    with in_firm(app, "alpha"):
        assert db.session.get(Invoice, invoice_id).paid_cents == 0


def test_dunning_stops_once_transfers_pay_the_invoice(alpha):
    from tests.test_billing_dunning_refunds import at, client_user, dun

    company_id = new_company()
    client_user(company_id)
    invoice_id = new_invoice(company_id, 20000, due=date(2032, 3, 10), issued=date(2032, 3, 1))
    dun(at(date(2032, 3, 7), 10))
    bank.record_bank_transfer(
        company_id, 5000, [invoice_id], "part", date(2032, 3, 8), manager(alpha)
    )
    db.session.commit()
    dun(at(date(2032, 3, 10), 10))  # still owed: the due-date step goes out
    bank.record_bank_transfer(
        company_id, 15000, [invoice_id], "rest", date(2032, 3, 11), manager(alpha)
    )
    db.session.commit()
    for day in (date(2032, 3, 13), date(2032, 3, 17), date(2032, 4, 30)):
        dun(at(day, 10))
    steps = db.session.scalars(
        select(ReminderSent.step_key).where(ReminderSent.invoice_id == invoice_id)
    ).all()
    assert steps == ["d-3", "d0"]
