"""Refunds (B4): request → review (maybe more information) → proposal → accept or
dispute → agreement → executed through the provider → closed.

Every step is a timestamped row both sides see, with the file each side attached.
A refund never exceeds what was paid on the invoice minus what was refunded already.
Executing one records how the money went back, on which day and its reference.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import Invoice, Payment, RefundRequest, RefundStep
from yk_saas.billing.services import BillingError, locked_invoice
from yk_saas.files.models import StoredFile
from yk_saas.money import format_money

#: ``StoredFile.owner_type`` of the files attached to a refund's steps (owner id: the refund).
FILE_OWNER = "refund"

STATE_LABELS = {
    "requested": _l("Requested"),
    "info_needed": _l("More information needed"),
    "proposed": _l("Amount proposed"),
    "disputed": _l("Disputed"),
    "agreed": _l("Agreed"),
    "executed": _l("Refunded"),
    "closed": _l("Closed"),
}
ACTION_LABELS = {
    "request": _l("Refund requested"),
    "ask_info": _l("More information asked"),
    "add_info": _l("Information added"),
    "propose": _l("Amount proposed"),
    "accept": _l("Proposal accepted"),
    "dispute": _l("Proposal disputed"),
    "execute": _l("Refund paid out"),
    "close": _l("Closed"),
}
#: action → (states it may start from, state it leads to)
TRANSITIONS = {
    "ask_info": (("requested", "disputed"), "info_needed"),
    "add_info": (("info_needed",), "requested"),
    "propose": (("requested", "disputed", "info_needed"), "proposed"),
    "accept": (("proposed",), "agreed"),
    "dispute": (("proposed",), "disputed"),
    "execute": (("agreed",), "executed"),
    "close": (("executed", "requested", "disputed", "info_needed"), "closed"),
}
OPEN_STATES = ("requested", "info_needed", "proposed", "disputed", "agreed")
#: How a firm pays a refund back by itself; ``online`` is the provider's own refund.
PAYOUT_METHODS = {
    "bank_transfer": _l("Bank transfer"),
    "cash": _l("Cash"),
    "other": _l("Other"),
    "online": _l("Back to the card or account it was paid with"),
}


@dataclass(frozen=True)
class Payout:
    """What the manager records of an offline payout: method, day and reference."""

    method: str | None
    paid_on: date | None
    reference: str | None


def refundable_cents(invoice: Invoice) -> int:
    """What can still be given back: paid minus refunded."""
    return invoice.paid_cents - invoice.refunded_cents


def add_step(
    refund: RefundRequest,
    action: str,
    actor: User,
    note: str | None = None,
    amount_cents: int | None = None,
    file_id: int | None = None,
) -> RefundStep:
    step = RefundStep(
        refund_id=refund.id,
        action=action,
        note=(note or "").strip() or None,
        amount_cents=amount_cents,
        file_id=file_id,
        actor_id=actor.id,
    )
    db.session.add(step)
    db.session.flush()
    record_audit(
        f"refund_{action}",
        "refund",
        refund.id,
        actor=actor,
        amount_cents=amount_cents,
        currency=refund.currency,
        invoice_id=refund.invoice_id,
    )
    notify_other_side(refund, action, actor)
    return step


def notify_other_side(refund: RefundRequest, action: str, actor: User) -> None:
    from yk_saas.billing.events import notify_company, notify_managers_of

    # The step is stored as its key and put in words in each reader's language.
    params = {"number": refund.invoice.number, "step": action}
    if actor.is_client:
        notify_managers_of(
            "billing.refund_step", refund.company_id, f"/desk/billing/refunds/{refund.id}", **params
        )
    else:
        notify_company(
            "billing.refund_step",
            refund.company_id,
            f"/portal/billing/refunds/{refund.id}",
            **params,
        )


def request_refund(
    invoice: Invoice, reason: str, by: User, file_id: int | None = None
) -> RefundRequest:
    """A client asks for money back on a paid (or partly paid) invoice; caller commits."""
    if not reason.strip():
        raise BillingError(_("Tell us why you ask for a refund."))
    if refundable_cents(invoice) <= 0:
        raise BillingError(_("Nothing has been paid on this invoice, so nothing can be refunded."))
    if db.session.scalar(
        select(RefundRequest.id).where(
            RefundRequest.invoice_id == invoice.id, RefundRequest.state.in_(OPEN_STATES)
        )
    ):
        raise BillingError(_("A refund request for this invoice is already under way."))
    refund = RefundRequest(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        reason=reason.strip(),
        state="requested",
        currency=invoice.currency,
        requested_by_id=by.id,
    )
    db.session.add(refund)
    db.session.flush()
    refund.invoice = invoice
    add_step(refund, "request", by, reason, file_id=file_id)
    return refund


def move(
    refund: RefundRequest,
    action: str,
    by: User,
    note: str | None = None,
    amount_cents: int | None = None,
    file_id: int | None = None,
    payout: Payout | None = None,
) -> RefundStep:
    """Take one step of the workflow if the refund's state allows it; caller commits.

    ``ask_info`` needs the manager's own words in ``note``; ``execute`` needs ``payout``
    unless the money goes back through the provider."""
    sources, target = TRANSITIONS[action]
    if refund.state not in sources:
        raise BillingError(
            _(
                "This step is not possible now (the refund is: %(state)s).",
                state=STATE_LABELS[refund.state],
            )
        )
    if action == "ask_info" and not (note or "").strip():
        raise BillingError(_("Write what the client should send."), field="note")
    if action == "propose":
        check_amount(refund, amount_cents)
        refund.proposed_cents = amount_cents
    elif action == "accept":
        refund.agreed_cents = refund.proposed_cents
        amount_cents = refund.agreed_cents
    elif action == "execute":
        from yk_saas.billing.fapiao import reverse_for_money_back

        amount_cents = execute_refund(refund, payout)
        reverse_for_money_back(locked_invoice(refund.invoice_id), f"refund #{refund.id}", by)
    refund.state = target
    return add_step(refund, action, by, note, amount_cents, file_id)


def check_amount(refund: RefundRequest, amount_cents: int | None) -> None:
    invoice = locked_invoice(refund.invoice_id)
    most = refundable_cents(invoice)
    if amount_cents is None or amount_cents <= 0:
        raise BillingError(_("Enter an amount more than zero."))
    if amount_cents > most:
        raise BillingError(
            _(
                "A refund cannot exceed what was paid: at most %(amount)s.",
                amount=format_money(most, invoice.currency, current_tenant().locale),
            )
        )


def online_payment_of(refund: RefundRequest) -> Payment | None:
    """The provider payment the agreed amount can be refunded through, if there is one."""
    return db.session.scalar(
        select(Payment)
        .where(
            Payment.invoice_id == refund.invoice_id,
            Payment.provider == "stripe",
            Payment.amount_cents >= (refund.agreed_cents or 0),
        )
        .order_by(Payment.id)
    )


def check_payout(payout: Payout | None) -> Payout:
    """An offline payout needs its method, its day (not in the future) and a reference."""
    if payout is None or payout.method not in PAYOUT_METHODS or payout.method == "online":
        raise BillingError(_("Choose how the money was paid back."), field="method")
    if payout.paid_on is None:
        raise BillingError(_("Enter the day the money was paid back."), field="paid_on")
    if payout.paid_on > current_tenant().today():
        raise BillingError(_("The day of the payout cannot be in the future."), field="paid_on")
    if not (payout.reference or "").strip():
        raise BillingError(
            _("Enter the payout's reference, such as the bank transfer number."),
            field="reference",
        )
    return payout


def execute_refund(refund: RefundRequest, payout: Payout | None = None) -> int:
    """Pay the agreed amount back: through Stripe for an online payment, else offline as the
    manager recorded it (``payout``)."""
    from yk_saas.billing.providers import provider_for_firm

    check_amount(refund, refund.agreed_cents)
    invoice = locked_invoice(refund.invoice_id)
    online = online_payment_of(refund)
    if online:
        key = f"refund-{current_tenant().slug}-{refund.id}"
        refund.provider_reference = provider_for_firm().refund(
            online.provider_key, refund.agreed_cents, key
        )
        refund.payout_method, refund.paid_out_on = "online", current_tenant().today()
    else:
        payout = check_payout(payout)
        refund.payout_method, refund.paid_out_on = payout.method, payout.paid_on
        refund.provider_reference = payout.reference.strip()
    invoice.refunded_cents += refund.agreed_cents
    return refund.agreed_cents


def visible_refunds_query(user: User):
    """Refund requests ``user`` may see (same rule as invoices)."""
    from yk_saas.billing.services import visible_invoices_query

    invoice_ids = visible_invoices_query(user).with_only_columns(Invoice.id)
    return select(RefundRequest).where(RefundRequest.invoice_id.in_(invoice_ids))


def get_visible_refund(user: User, refund_id: int) -> RefundRequest | None:
    """The refund request if ``user`` may see its invoice, else None."""
    return db.session.scalar(visible_refunds_query(user).where(RefundRequest.id == refund_id))


def files_of(refund: RefundRequest) -> dict[int, StoredFile]:
    """The refund's attached files by id (each step names its file by id)."""
    rows = db.session.scalars(
        select(StoredFile).where(
            StoredFile.owner_type == FILE_OWNER, StoredFile.owner_id == refund.id
        )
    )
    return {f.id: f for f in rows}


def get_visible_file(user: User, key: str) -> StoredFile | None:
    """A refund's file by its key if ``user`` may see the refund, else None.

    Which staff may open refund files at all (managers only) is the view's rule."""
    refund_ids = visible_refunds_query(user).with_only_columns(RefundRequest.id)
    return db.session.scalar(
        select(StoredFile).where(
            StoredFile.key == key,
            StoredFile.owner_type == FILE_OWNER,
            StoredFile.owner_id.in_(refund_ids),
        )
    )
