"""Fapiao: requested by the client on a paid invoice, issued by staff with its file, reversed
(红冲) when money goes back, never more than what was paid."""

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from tenants import db
from tests.support.billing import new_invoice
from tests.support.work import firm as in_firm
from yk_saas.accounts.models import User
from yk_saas.audit.models import AuditEntry
from yk_saas.billing import fapiao, refunds, services
from yk_saas.billing.models import Fapiao, FapiaoProfile, Invoice
from yk_saas.notifications.models import Notification

CODE = "91310115MA1K3YJ009"
PDF = b"%PDF-1.4\n% fapiao\n"


def request_form(**changes):
    return {
        "title": "上海某某科技有限公司",
        "taxpayer_id": CODE.lower()[:9] + " " + CODE[9:],  # typed with a space, in lower case
        "kind": "special",
        "email": "finance@example.com",
        **changes,
    }


def paid_invoice(firm, amount=50000, company="company_x") -> int:
    """An invoice of the firm's company, paid in full by bank transfer."""
    with in_firm(firm["app"], firm["slug"]):
        invoice_id = new_invoice(firm["ids"][company], amount)
        services.record_offline_payment(
            invoice_id,
            amount,
            "bank_transfer",
            "t",
            date(2026, 11, 2),
            db.session.get(User, firm["ids"]["admin"]),
        )
    return invoice_id


@pytest.fixture
def firm(app, fresh_firm):
    return {**fresh_firm, "app": app}


def ofd_file() -> bytes:
    """The same bytes at every call: entries carry a fixed time, not the clock's."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in (
            ("OFD.xml", "<?xml version='1.0'?><ofd:OFD/>"),
            ("Doc_0/Document.xml", "<?xml version='1.0'?><ofd:Document/>"),
        ):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return out.getvalue()


def test_client_requests_staff_issue_client_downloads(app, firm, signed_in, signed_in_en):
    invoice_id = paid_invoice(firm)
    client = signed_in_en(firm, "client_x")

    # Refused with a clear message and nothing saved: a mistyped credit code, a bad e-mail.
    for bad, message in (
        ({"taxpayer_id": CODE[:-1] + "8"}, "check character"),
        ({"taxpayer_id": "123"}, "18 characters"),
        ({"email": "not-an-address"}, "e-mail address"),
        ({"title": ""}, ""),
    ):
        answer = client.post(f"/portal/billing/invoices/{invoice_id}/fapiao", request_form(**bad))
        assert answer.status_code == 422, bad
        assert message in answer.get_data(as_text=True), bad
    with in_firm(app, firm["slug"]):
        assert db.session.scalar(select(Fapiao.id)) is None

    answer = client.post(f"/portal/billing/invoices/{invoice_id}/fapiao", request_form())
    assert answer.status_code == 302
    again = client.post(f"/portal/billing/invoices/{invoice_id}/fapiao", request_form())
    assert again.status_code == 422 and "already requested" in again.get_data(as_text=True)
    with in_firm(app, firm["slug"]):
        row = db.session.scalar(select(Fapiao))
        assert (row.taxpayer_id, row.kind, row.amount_cents, row.state) == (
            CODE,
            "special",
            50000,
            "requested",
        )
        profile = db.session.scalar(select(FapiaoProfile))
        assert profile.title == "上海某某科技有限公司" and profile.taxpayer_id == CODE
        fapiao_id = row.id
        staff_told = db.session.scalars(
            select(Notification.user_id).where(Notification.event == "billing.fapiao_requested")
        ).all()
        assert firm["ids"]["admin"] in staff_told

    # The desk queue shows it; a wrong file type or number is refused.
    admin = signed_in_en(firm, "admin")
    queue = admin.get("/desk/billing/fapiao").get_data(as_text=True)
    assert "上海某某科技有限公司" in queue and CODE in queue
    issue = f"/desk/billing/fapiao/{fapiao_id}/issue"
    for data, message in (
        (
            {"fapiao_number": "24312000000012345678", "document": (io.BytesIO(b"MZ.."), "f.exe")},
            "not accepted",
        ),
        (
            {"fapiao_number": "24312000000012345678", "document": (io.BytesIO(b"<html>"), "f.xml")},
            "not accepted",
        ),
        ({"fapiao_number": "no!", "document": (io.BytesIO(PDF), "f.pdf")}, "8 to 40"),
        (
            {
                "fapiao_number": "24312000000012345678",
                "document": (io.BytesIO(b"PK\x03\x04x"), "f.ofd"),
            },
            "damaged",
        ),
    ):
        answer = admin.post(issue, data, content_type="multipart/form-data")
        assert answer.status_code == 422, data
        assert message in answer.get_data(as_text=True), data
    assert signed_in(firm, "accountant").post(issue, {}).status_code == 403
    answer = admin.post(
        issue,
        {"fapiao_number": "24312000000012345678", "document": (io.BytesIO(ofd_file()), "发票.ofd")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    with in_firm(app, firm["slug"]):
        row = db.session.get(Fapiao, fapiao_id)
        assert row.state == "issued" and row.fapiao_number == "24312000000012345678"
        told = db.session.scalars(
            select(Notification.user_id).where(Notification.event == "billing.fapiao_issued")
        ).all()
        assert told == [firm["ids"]["client_x"]]
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "fapiao_issued"))

    page = client.get(f"/portal/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "24312000000012345678" in page
    download = client.get(f"/portal/billing/fapiao/{fapiao_id}/file")
    assert download.status_code == 200 and download.data == ofd_file()
    assert "attachment" in download.headers["Content-Disposition"]
    # Another client of the firm finds neither the invoice nor the fapiao.
    other = signed_in(firm, "client_y")
    assert other.get(f"/portal/billing/fapiao/{fapiao_id}/file").status_code == 404
    assert (
        other.post(f"/portal/billing/invoices/{invoice_id}/fapiao", request_form()).status_code
        == 404
    )


def test_the_form_is_filled_from_last_time_and_an_open_invoice_cannot_have_one(
    app, firm, signed_in_en
):
    first, second = paid_invoice(firm), paid_invoice(firm)
    client = signed_in_en(firm, "client_x")
    assert (
        client.post(f"/portal/billing/invoices/{first}/fapiao", request_form()).status_code == 302
    )
    page = client.get(f"/portal/billing/invoices/{second}").get_data(as_text=True)
    assert 'value="上海某某科技有限公司"' in page and f'value="{CODE}"' in page
    assert 'value="special" selected' in page or 'selected value="special"' in page
    with in_firm(app, firm["slug"]):
        unpaid = new_invoice(firm["ids"]["company_x"], 1000)
    answer = client.post(f"/portal/billing/invoices/{unpaid}/fapiao", request_form())
    assert answer.status_code == 422 and "once the invoice is paid" in answer.get_data(as_text=True)


def refund(invoice_id, amount, manager, client):
    request = refunds.request_refund(db.session.get(Invoice, invoice_id), "too much", client)
    refunds.move(request, "propose", manager, "ok", amount)
    refunds.move(request, "accept", client)
    payout = refunds.Payout("bank_transfer", date(2026, 11, 20), "REFUND-1")
    refunds.move(request, "execute", manager, payout=payout)
    db.session.commit()


def test_a_refund_reverses_the_issued_fapiao_and_queues_one_for_what_is_left(app, firm):
    invoice_id = paid_invoice(firm, 50000)
    with in_firm(app, firm["slug"]):
        manager = db.session.get(User, firm["ids"]["admin"])
        client = db.session.get(User, firm["ids"]["client_x"])
        invoice = db.session.get(Invoice, invoice_id)
        first = fapiao.request_fapiao(
            invoice, "某某公司", CODE, "ordinary", "a@example.com", client
        )
        db.session.commit()
        # Lowered before it is issued: a request never exceeds what is paid.
        refund(invoice_id, 10000, manager, client)
        assert db.session.get(Fapiao, first.id).amount_cents == 40000
        first_id = first.id

        # Issued, then money goes back: reversed (红冲), and a request for what is left.
        row = db.session.get(Fapiao, first_id)
        row.state, row.fapiao_number = "issued", "11112222333344445555"
        db.session.commit()
        refund(invoice_id, 15000, manager, client)
        rows = db.session.scalars(
            select(Fapiao).where(Fapiao.invoice_id == invoice_id).order_by(Fapiao.id)
        ).all()
        assert [(r.state, r.amount_cents) for r in rows] == [
            ("reversed", 40000),
            ("requested", 25000),
        ]
        assert rows[0].reversed_at is not None and "refund" in rows[0].reversal_reason
        assert db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.action == "fapiao_reversed", AuditEntry.target_id == invoice_id
            )
        )
        # Everything refunded: the waiting request is cancelled, nothing more can be asked.
        refund(invoice_id, 25000, manager, client)
        states = db.session.scalars(
            select(Fapiao.state).where(Fapiao.invoice_id == invoice_id).order_by(Fapiao.id)
        ).all()
        assert states == ["reversed", "cancelled"]
        with pytest.raises(services.BillingError):
            fapiao.request_fapiao(
                db.session.get(Invoice, invoice_id),
                "某某公司",
                CODE,
                "ordinary",
                "a@example.com",
                client,
            )
        db.session.rollback()


def test_a_void_invoice_reverses_its_fapiao(app, firm):
    invoice_id = paid_invoice(firm, 30000)
    with in_firm(app, firm["slug"]):
        client = db.session.get(User, firm["ids"]["client_x"])
        row = fapiao.request_fapiao(
            db.session.get(Invoice, invoice_id),
            "某某公司",
            CODE,
            "ordinary",
            "a@example.com",
            client,
        )
        row.state = "issued"
        invoice = db.session.get(Invoice, invoice_id)
        invoice.status = "void"
        fapiao.reverse_for_money_back(invoice, "void", None)
        db.session.commit()
        assert db.session.get(Fapiao, row.id).state == "reversed"
        assert (
            db.session.scalar(
                select(Fapiao.id).where(
                    Fapiao.invoice_id == invoice_id, Fapiao.state == "requested"
                )
            )
            is None
        )


def test_staff_of_another_firm_and_other_accountants_do_not_see_a_fapiao(
    app, firm, firm_b, signed_in
):
    invoice_id = paid_invoice(firm)
    client = signed_in(firm, "client_x")
    assert (
        client.post(f"/portal/billing/invoices/{invoice_id}/fapiao", request_form()).status_code
        == 302
    )
    with in_firm(app, firm["slug"]):
        fapiao_id = db.session.scalar(select(Fapiao.id))
    # In Chinese, the default language of the firm's people.
    assert "校验位不正确" in client.post(
        f"/portal/billing/invoices/{paid_invoice(firm)}/fapiao",
        request_form(taxpayer_id=CODE[:-1] + "8"),
    ).get_data(as_text=True)
    # Company X has no dedicated accountant: an accountant sees none of its invoices.
    accountant = signed_in(firm, "accountant")
    assert accountant.get(f"/desk/billing/fapiao/{fapiao_id}").status_code == 404
    assert "上海某某科技" not in accountant.get("/desk/billing/fapiao").get_data(as_text=True)
    bravo = signed_in(firm_b, "admin")
    assert "上海某某科技" not in bravo.get("/desk/billing/fapiao").get_data(as_text=True)
