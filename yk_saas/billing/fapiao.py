"""Fapiao (发票): a client asks for one on a paid invoice, staff issue it in the tax system and
attach the file, the client downloads it.

The firm issues fapiao in the national tax system, not here: this keeps the request,
the issued number and file, and the red-letter reversal (红冲) when money goes back.
A fapiao is for what was paid and not refunded. A refund after it was issued reverses
it, and when money is left a new request for the smaller amount joins the queue; a
refund before it was issued lowers the request. An invoice voided reverses them all.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import Fapiao, FapiaoProfile, Invoice
from yk_saas.billing.services import BillingError
from yk_saas.clients.creditcode import CreditCodeError, validate_credit_code
from yk_saas.models_base import utcnow

KINDS = {"ordinary": _l("Ordinary (普通发票)"), "special": _l("Special (专用发票)")}
STATE_LABELS = {
    "requested": _l("Requested"),
    "issued": _l("Fapiao issued"),
    "reversed": _l("Reversed (红冲)"),
    "cancelled": _l("Cancelled"),
}
#: A fapiao in these states counts for its invoice; the others are history.
ACTIVE = ("requested", "issued")
FILE_KINDS = ("pdf", "ofd", "xml")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CREDIT_CODE_MESSAGES = {
    "length": _l("A unified social credit code has 18 characters."),
    "characters": _l("A unified social credit code has digits and capital letters only."),
    "check": _l("This unified social credit code is mistyped (its check character is wrong)."),
}


class FapiaoError(BillingError):
    """A fapiao action refused; the message says why."""


def fapiao_amount(invoice: Invoice) -> int:
    """What a fapiao of ``invoice`` may cover: paid and not refunded."""
    return max(invoice.paid_cents - invoice.refunded_cents, 0)


def active_fapiao(invoice_id: int) -> Fapiao | None:
    return db.session.scalar(
        select(Fapiao).where(Fapiao.invoice_id == invoice_id, Fapiao.state.in_(ACTIVE))
    )


def profile_of(company_id: int) -> FapiaoProfile | None:
    return db.session.scalar(select(FapiaoProfile).where(FapiaoProfile.company_id == company_id))


def clean_details(title: str, taxpayer_id: str, kind: str, email: str) -> dict:
    """The buyer's details checked: title, credit code (GB 32100), kind, e-mail."""
    title = " ".join((title or "").split())
    if not 2 <= len(title) <= 200:
        raise FapiaoError(_("Enter the company's full name as the title."), "title")
    try:
        code = validate_credit_code(taxpayer_id)
    except CreditCodeError as exc:
        raise FapiaoError(str(CREDIT_CODE_MESSAGES[str(exc)]), "taxpayer_id") from exc
    if kind not in KINDS:
        raise FapiaoError(_("Choose ordinary or special."), "kind")
    email = (email or "").strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise FapiaoError(_("Enter an e-mail address such as name@example.com."), "email")
    return {"title": title, "taxpayer_id": code, "kind": kind, "email": email}


def request_fapiao(
    invoice: Invoice, title: str, taxpayer_id: str, kind: str, email: str, by: User
) -> Fapiao:
    """A client's request for a fapiao on its paid invoice; the details are kept for next
    time. The caller commits."""
    from yk_saas.billing.events import notify_managers_of
    from yk_saas.billing.services import locked_invoice

    details = clean_details(title, taxpayer_id, kind, email)
    invoice = locked_invoice(invoice.id)
    if invoice.status != "paid":
        raise FapiaoError(_("A fapiao can be requested once the invoice is paid."))
    if active_fapiao(invoice.id):
        raise FapiaoError(_("A fapiao for this invoice is already requested or issued."))
    amount = fapiao_amount(invoice)
    if amount <= 0:
        raise FapiaoError(_("Everything paid on this invoice was refunded: no fapiao is due."))
    fapiao = Fapiao(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        amount_cents=amount,
        currency=invoice.currency,
        state="requested",
        requested_by_id=by.id,
        **details,
    )
    db.session.add(fapiao)
    profile = profile_of(invoice.company_id)
    if profile is None:
        profile = FapiaoProfile(company_id=invoice.company_id, **details)
        db.session.add(profile)
    else:
        for name, value in details.items():
            setattr(profile, name, value)
    db.session.flush()
    record_audit(
        "fapiao_requested",
        "invoice",
        invoice.id,
        actor=by,
        fapiao_id=fapiao.id,
        amount_cents=amount,
        kind=kind,
    )
    notify_managers_of(
        "billing.fapiao_requested",
        invoice.company_id,
        f"/desk/billing/fapiao/{fapiao.id}",
        number=invoice.number,
    )
    return fapiao


def issue_fapiao(fapiao_id: int, fapiao_number: str, upload, by: User) -> Fapiao:
    """Staff record the fapiao issued in the tax system, with its file; the caller commits."""
    from yk_saas.billing.events import notify_company
    from yk_saas.files.services import MB, UploadError, save_upload

    fapiao = db.session.scalar(select(Fapiao).where(Fapiao.id == fapiao_id).with_for_update())
    if fapiao is None or fapiao.state != "requested":
        raise FapiaoError(_("This fapiao is not waiting to be issued."))
    number = (fapiao_number or "").strip()
    if not re.fullmatch(r"[0-9A-Za-z]{8,40}", number):
        raise FapiaoError(_("A fapiao number has 8 to 40 digits or letters."), "fapiao_number")
    try:
        stored = save_upload(
            upload,
            allowed=FILE_KINDS,
            max_bytes=10 * MB,
            owner_type="fapiao",
            owner_id=fapiao.id,
            uploaded_by_id=by.id,
        )
    except UploadError as exc:  # shown under the file field
        raise FapiaoError(str(exc), "document") from exc
    fapiao.state, fapiao.fapiao_number, fapiao.file_id = "issued", number, stored.id
    fapiao.issued_at, fapiao.issued_by_id = utcnow(), by.id
    db.session.flush()
    invoice = db.session.get(Invoice, fapiao.invoice_id)
    record_audit(
        "fapiao_issued",
        "invoice",
        invoice.id,
        actor=by,
        fapiao_id=fapiao.id,
        fapiao_number=number,
        amount_cents=fapiao.amount_cents,
    )
    notify_company(
        "billing.fapiao_issued",
        invoice.company_id,
        f"/portal/billing/invoices/{invoice.id}",
        number=invoice.number,
    )
    return fapiao


def reverse_for_money_back(invoice: Invoice, reason: str, by: User | None) -> None:
    """Keep the invoice's fapiao within what is still paid after a refund or a void.

    An issued fapiao is reversed (红冲) and, if money is left, a new request for that
    amount is queued; a fapiao not issued yet is lowered, or cancelled when nothing is left.
    The caller commits.
    """
    fapiao = active_fapiao(invoice.id)
    if fapiao is None:
        return
    left = 0 if invoice.status == "void" else fapiao_amount(invoice)
    if fapiao.amount_cents <= left:
        return
    replacement = None
    if fapiao.state == "requested":
        if left > 0:
            fapiao.amount_cents = left
        else:
            fapiao.state, fapiao.reversed_at, fapiao.reversal_reason = "cancelled", utcnow(), reason
    else:
        fapiao.state, fapiao.reversed_at, fapiao.reversal_reason = "reversed", utcnow(), reason
        if left > 0:
            replacement = Fapiao(
                invoice_id=fapiao.invoice_id,
                company_id=fapiao.company_id,
                title=fapiao.title,
                taxpayer_id=fapiao.taxpayer_id,
                kind=fapiao.kind,
                email=fapiao.email,
                amount_cents=left,
                currency=fapiao.currency,
                state="requested",
                requested_by_id=fapiao.requested_by_id,
            )
            db.session.add(replacement)
    db.session.flush()
    record_audit(
        "fapiao_reversed" if fapiao.state == "reversed" else "fapiao_lowered",
        "invoice",
        invoice.id,
        actor=by,
        fapiao_id=fapiao.id,
        state=fapiao.state,
        amount_left_cents=left,
        reason=reason,
        replacement_id=getattr(replacement, "id", None),
    )


def visible_fapiao_query(user: User):
    """Fapiao of the invoices ``user`` may see (same rule as invoices)."""
    from yk_saas.billing.services import visible_invoices_query

    invoice_ids = visible_invoices_query(user).with_only_columns(Invoice.id)
    return select(Fapiao).where(Fapiao.invoice_id.in_(invoice_ids))


def get_visible_fapiao(user: User, fapiao_id: int) -> Fapiao | None:
    return db.session.scalar(visible_fapiao_query(user).where(Fapiao.id == fapiao_id))


def fapiao_of_invoice(invoice_id: int) -> list[Fapiao]:
    return db.session.scalars(
        select(Fapiao).where(Fapiao.invoice_id == invoice_id).order_by(Fapiao.id)
    ).all()
