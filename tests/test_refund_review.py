"""Refund review with its evidence (B4): files both sides open, the manager's own question,
a payout recorded with method, day and reference, the client's page stating the outcome."""

import io
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tenants import db, tenant_context
from tests.support.billing import new_invoice
from yk_saas.accounts.models import User
from yk_saas.billing import services

PDF = b"%PDF-1.4\n% refund proof\n"


def paid_invoice(app, firm, company="company_x", amount=8000) -> int:
    with app.app_context(), tenant_context(firm["slug"]):
        invoice_id = new_invoice(firm["ids"][company], amount)
        admin = db.session.get(User, firm["ids"]["admin"])
        services.record_offline_payment(invoice_id, amount, "cash", "", date(2026, 11, 2), admin)
        db.session.commit()
    return invoice_id


def ask_refund(client, invoice_id, reason="Billed twice", proof=PDF, name="proof.pdf") -> int:
    data = {"reason": reason}
    if proof is not None:
        data["evidence"] = (io.BytesIO(proof), name)
    response = client.post(
        f"/portal/billing/invoices/{invoice_id}", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def file_link(page: str) -> str:
    return re.search(r'<a class="refund-file" href="([^"]+)"', page).group(1)


def refund_state(app, firm, refund_id):
    from yk_saas.billing.models import Invoice, RefundRequest

    with app.app_context(), tenant_context(firm["slug"]):
        refund = db.session.get(RefundRequest, refund_id)
        invoice = db.session.get(Invoice, refund.invoice_id)
        return (
            refund.state,
            refund.payout_method,
            refund.paid_out_on,
            refund.provider_reference,
            invoice.refunded_cents,
            len(refund.steps),
        )


def test_the_files_of_a_refund_open_for_managers_and_the_clients_own_people_only(
    app, firm_a, signed_in
):
    client_x = signed_in(firm_a, "client_x")
    refund_id = ask_refund(client_x, paid_invoice(app, firm_a), proof=PDF + b"X-ONLY")
    portal_page = client_x.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    portal_link = file_link(portal_page)
    assert portal_link.startswith("/portal/billing/refunds/files/")
    mine = client_x.get(portal_link)
    assert mine.status_code == 200 and mine.get_data().endswith(b"X-ONLY")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"

    admin = signed_in(firm_a, "admin")
    desk_page = admin.get(f"/desk/billing/refunds/{refund_id}").get_data(as_text=True)
    desk_link = file_link(desk_page)
    assert desk_link.startswith("/desk/billing/refunds/files/")
    assert admin.get(desk_link).get_data().endswith(b"X-ONLY")

    # Another client's people: 404, through the portal route and on the refund itself.
    client_y = signed_in(firm_a, "client_y")
    assert client_y.get(portal_link).status_code == 404
    assert client_y.get(f"/portal/billing/refunds/{refund_id}").status_code == 404
    # Staff who are not managers see that a file is attached but cannot open it.
    accountant = signed_in(firm_a, "accountant")
    assert accountant.get(desk_link).status_code == 403
    # A refund's file is not served through another feature's file route, nor the reverse.
    key = desk_link.rsplit("/", 1)[1]
    assert admin.get(f"/desk/feedback/complaints/files/{key}").status_code == 404
    assert client_x.get(f"/portal/feedback/complaints/files/{key}").status_code == 404


def test_asking_for_more_takes_the_managers_own_words(app, firm_a, signed_in_en):
    client = signed_in_en(firm_a, "client_x")
    refund_id = ask_refund(client, paid_invoice(app, firm_a), proof=None)
    admin = signed_in_en(firm_a, "admin")
    before = refund_state(app, firm_a, refund_id)
    empty = admin.post(f"/desk/billing/refunds/{refund_id}/ask_info", {"note": "  "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422
    ask_form = page[page.index('id="ask-info-form"') :]
    ask_form = ask_form[: ask_form.index("</form>")]
    assert "Write what the client should send." in ask_form
    assert "Write what the client should send." not in page[: page.index('id="ask-info-form"')]
    assert refund_state(app, firm_a, refund_id) == before

    question = "Send the bank statement of 2 November, please."
    asked = admin.post(f"/desk/billing/refunds/{refund_id}/ask_info", {"note": question})
    assert asked.status_code == 302
    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    assert re.search(r'id="refund-asked">The firm asks: <span[^>]*>' + re.escape(question), page)
    assert "The firm needs more from you before it can decide." in page
    assert "Please send more information." not in page


def test_an_offline_payout_needs_method_day_and_reference_and_the_client_sees_it(
    app, firm_a, signed_in_en
):
    client = signed_in_en(firm_a, "client_x")
    refund_id = ask_refund(client, paid_invoice(app, firm_a), proof=None)
    admin = signed_in_en(firm_a, "admin")
    admin.post(f"/desk/billing/refunds/{refund_id}/propose", {"amount": "30.00"})
    client.post(f"/portal/billing/refunds/{refund_id}/accept")
    agreed = refund_state(app, firm_a, refund_id)
    assert agreed[0] == "agreed" and agreed[4] == 0
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for payout, field, message in (
        ({"paid_on": "2026-11-20", "reference": "R1"}, "method", "Choose how the money"),
        ({"method": "bank_transfer", "reference": "R1"}, "paid_on", "Enter the day"),
        (
            {"method": "bank_transfer", "paid_on": "2026-11-20", "reference": " "},
            "reference",
            "Enter the payout's reference",
        ),
        ({"method": "cash", "paid_on": tomorrow, "reference": "R1"}, "paid_on", "Enter a date"),
    ):
        refused = admin.post(f"/desk/billing/refunds/{refund_id}/execute", payout)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, payout
        # The message sits in the field it is about, in the payout form.
        block = re.search(
            r'<div class="field has-error">\s*<label for="' + field + r'".*?</div>', page, re.DOTALL
        )
        assert block and message.replace("'", "&#39;") in block.group(0), (payout, page[:300])
        assert refund_state(app, firm_a, refund_id) == agreed

    paid = admin.post(
        f"/desk/billing/refunds/{refund_id}/execute",
        {"method": "bank_transfer", "paid_on": "2026-11-20", "reference": "ICBC-20261120-55"},
    )
    assert paid.status_code == 302
    state = refund_state(app, firm_a, refund_id)
    assert state[:5] == ("executed", "bank_transfer", date(2026, 11, 20), "ICBC-20261120-55", 3000)

    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    outcome = re.search(r'id="refund-outcome"><strong>(.*?)</strong>', page, re.DOTALL).group(1)
    assert outcome.strip() == "CN¥30.00 was paid back to you on Nov 20, 2026."
    payout = re.search(r'id="refund-payout">(.*?)</dl>', page, re.DOTALL).group(1)
    assert "Bank transfer" in payout and "ICBC-20261120-55" in payout
    assert "Waiting for the firm" not in page

    # The same page in Chinese.
    client.post("/lang", {"locale": "zh_CN", "next": "/"})
    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    assert "¥30.00 已于 2026年11月20日 退还给您。" in page
    assert "银行转账" in page and "ICBC-20261120-55" in page and "等待公司处理" not in page

    admin.post(f"/desk/billing/refunds/{refund_id}/close")
    client.post("/lang", {"locale": "en", "next": "/"})
    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    assert "Refund completed: CN¥30.00 was paid back to you on Nov 20, 2026." in page


def test_a_request_closed_without_paying_says_so(app, firm_a, signed_in_en):
    client = signed_in_en(firm_a, "client_x")
    refund_id = ask_refund(client, paid_invoice(app, firm_a), proof=None)
    signed_in_en(firm_a, "admin").post(f"/desk/billing/refunds/{refund_id}/close")
    page = client.get(f"/portal/billing/refunds/{refund_id}").get_data(as_text=True)
    assert "This request was closed without a refund." in page
    assert 'id="refund-payout"' not in page


def test_a_refused_evidence_file_is_shown_under_the_file_field(app, firm_a, signed_in_en):
    from yk_saas.billing.models import RefundRequest

    invoice_id = paid_invoice(app, firm_a)
    client = signed_in_en(firm_a, "client_x")
    refused = client.post(
        f"/portal/billing/invoices/{invoice_id}",
        {"reason": "Billed twice", "evidence": (io.BytesIO(b"MZ\x90\x00binary"), "proof.pdf")},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    block = re.search(
        r'<div class="field has-error">\s*<label for="evidence".*?</div>', page, re.DOTALL
    )
    assert block and "This type of file is not accepted" in block.group(0)
    assert not re.search(r'<div class="field has-error">\s*<label for="reason"', page)
    with app.app_context(), tenant_context(firm_a["slug"]):
        count = db.session.scalar(
            select(func.count(RefundRequest.id)).where(RefundRequest.invoice_id == invoice_id)
        )
    assert count == 0
