"""Contracts, invoices and offline payments of a firm's clients.

Invoice numbers are gapless per firm, series and year: a number is taken by
incrementing a counter row inside the transaction that creates the document,
so the row lock serialises concurrent takers and a rollback gives the number
back. A billing run creates each contract period's invoice once: a unique
key (source, source_key) per invoice makes a second or concurrent run a no-op.

Back-fill is bounded by ``backfill_periods`` (a billing setting, 3 by default):
a run creates at most that many invoices per contract, oldest first. A contract
entered with more periods already begun than that needs the manager's
confirmation; it then bills only the latest ``backfill_periods`` of them
(``bill_from``). A contract without ``bill_from`` (older, or written around the
form) is billed only for its latest ``backfill_periods`` periods. Earlier periods
are never billed by a run — the firm invoices them by hand if it wants to.

The due-work index (kind ``billing``) holds when the firm's next period begins:
a new contract marks its first billable period in its own transaction, a
change of the back-fill setting marks the firm due now, and each billing run
writes back the next period start of any contract (``next_billing_due``).
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant, db
from yk_saas import due
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import (
    BillingSettings,
    Contract,
    CreditNote,
    Invoice,
    NumberCounter,
    Payment,
)
from yk_saas.errors import UserError
from yk_saas.models_base import utcnow
from yk_saas.search import matches

INTERVAL_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
#: The kind of the due-work index that contract billing uses.
DUE_KIND = "billing"
PAYMENT_METHODS = ("bank_transfer", "cash", "other")


class BillingError(UserError):
    """A money action refused; the message tells the user why."""


class BackfillNeedsConfirmation(BillingError):
    """A new contract began more periods ago than the firm back-fills; the manager must confirm."""

    def __init__(self, begun: int, cap: int):
        self.begun, self.cap = begun, cap
        super().__init__(
            _(
                "This contract began %(begun)d periods ago. Tick the box to create invoices for the "
                "latest %(cap)d of them now; the %(older)d earlier periods will not be billed.",
                begun=begun,
                cap=cap,
                older=begun - cap,
            ),
            field="bill_past",
        )


class OverdueInvoicesNeedConfirmation(BillingError):
    """A new contract starting in the past would create invoices that are overdue at once."""

    def __init__(self, overdue: int):
        self.overdue = overdue
        super().__init__(
            ngettext(
                "This contract starts in the past: %(num)d invoice would be overdue the moment it "
                "is created, and reminders would go out for it. Tick the box to create it anyway.",
                "This contract starts in the past: %(num)d invoices would be overdue the moment "
                "they are created, and reminders would go out for them. Tick the box to create "
                "them anyway.",
                overdue,
            ),
            field="bill_past",
        )


def billing_settings() -> BillingSettings:
    """The firm's money settings, created with defaults on first use."""
    settings = db.session.scalar(select(BillingSettings).order_by(BillingSettings.id).limit(1))
    if settings is None:
        settings = BillingSettings()
        db.session.add(settings)
        db.session.flush()
    return settings


def connect_stripe_account(account_id: str | None) -> None:
    """Bind the firm to its Stripe connected account (None disconnects it).

    The binding routes the account's webhook events to this firm alone, so an
    account already bound to another firm is refused.
    """
    from yk_saas.billing.bindings import AccountTaken, bind_account

    try:
        bind_account("stripe", account_id)
    except AccountTaken as exc:
        raise BillingError(_("This Stripe account is already connected to another firm.")) from exc
    billing_settings().stripe_account_id = account_id


def next_number(series: str, year: int) -> int:
    """Take the next number of ``series`` in ``year``; held until the transaction ends."""
    table = NumberCounter.__table__
    statement = insert(table).values(series=series, year=year, last_value=1)
    return db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["series", "year"], set_={"last_value": table.c.last_value + 1}
        ).returning(table.c.last_value)
    ).scalar_one()


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:05d}"


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (the billing day is at most 28, so it always exists)."""
    month_index = day.month - 1 + months
    return date(day.year + month_index // 12, month_index % 12 + 1, min(day.day, 28))


def contract_periods(contract: Contract, until: date):
    """(start, end) of every period of ``contract`` that has begun by ``until``."""
    months = INTERVAL_MONTHS[contract.interval]
    start = date(contract.starts_on.year, contract.starts_on.month, contract.billing_day)
    if start < contract.starts_on:
        start = add_months(start, 1)
    while start <= until and (contract.ends_on is None or start <= contract.ends_on):
        following = add_months(start, months)
        yield start, following - timedelta(days=1)
        start = following


@dataclass
class NewInvoice:
    company_id: int
    amount_cents: int
    currency: str
    description: str
    source: str
    source_key: str
    issued_on: date
    due_on: date
    contract_id: int | None = None
    period_start: date | None = None
    period_end: date | None = None


def create_invoice(new: NewInvoice, prefix: str | None = None) -> Invoice | None:
    """Number and insert one invoice unless its source key exists; None if it did."""
    invoice_id = insert_invoice(new, prefix)
    return None if invoice_id is None else db.session.get(Invoice, invoice_id)


def insert_invoice(new: NewInvoice, prefix: str | None = None) -> int | None:
    """The new invoice's id, or None when its source key exists already.

    Runs in a savepoint: when another transaction created the same invoice
    first, the number taken here is given back, leaving no gap.
    """
    if new.amount_cents <= 0:
        raise BillingError(_("An invoice amount must be more than zero."))
    prefix = prefix or billing_settings().invoice_prefix
    with db.session.begin_nested() as savepoint:
        number = format_number(prefix, new.issued_on.year, next_number("INV", new.issued_on.year))
        values = {k: getattr(new, k) for k in NewInvoice.__dataclass_fields__}
        invoice_id = db.session.execute(
            insert(Invoice.__table__)
            .values(
                number=number,
                status="open",
                paid_cents=0,
                credited_cents=0,
                refunded_cents=0,
                created_at=utcnow(),
                **values,
            )
            .on_conflict_do_nothing(index_elements=["source", "source_key"])
            .returning(Invoice.__table__.c.id)
        ).scalar()
        if invoice_id is None:
            savepoint.rollback()
    if invoice_id is not None:
        from yk_saas.billing.dunning import mark_invoice_open

        mark_invoice_open(new.due_on)
    return invoice_id


def create_contract(
    company_id: int,
    plan: str,
    interval: str,
    fee_cents: int,
    currency: str,
    starts_on: date,
    billing_day: int = 1,
    ends_on: date | None = None,
    payment_terms_days: int = 15,
    bill_past: bool = False,
    today: date | None = None,
    ask_before_overdue: bool = False,
) -> Contract:
    """Add a client's service contract; the caller commits.

    More periods already begun than the firm back-fills raise BackfillNeedsConfirmation
    unless ``bill_past``: then only the latest of them are billed (``bill_from``). With
    ``ask_before_overdue`` (a person typing the contract in), periods whose invoice would be
    overdue at once raise OverdueInvoicesNeedConfirmation unless ``bill_past``.
    """
    if interval not in INTERVAL_MONTHS:
        raise BillingError(_("Unknown billing interval."))
    if fee_cents <= 0:
        raise BillingError(_("The fee must be more than zero."))
    if not 1 <= billing_day <= 28:
        raise BillingError(_("The billing day must be between 1 and 28."))
    if ends_on and ends_on < starts_on:
        raise BillingError(_("The contract cannot end before it starts."))
    contract = Contract(
        company_id=company_id,
        plan=plan.strip(),
        interval=interval,
        fee_cents=fee_cents,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        billing_day=billing_day,
        payment_terms_days=payment_terms_days,
        is_active=True,
    )
    today = today or current_tenant().today()
    contract.bill_from = backfill_start(contract, today, bill_past)
    if ask_before_overdue and not bill_past:
        overdue = [
            start
            for start, _end in billable_periods(
                contract, today, billing_settings().backfill_periods
            )
            if start + timedelta(days=payment_terms_days) < today
        ]
        if overdue:
            raise OverdueInvoicesNeedConfirmation(len(overdue))
    db.session.add(contract)
    db.session.flush()
    first = next_period_start(contract, today, set())
    if first is not None:
        due.mark_due(DUE_KIND, due.start_of_day(first, current_tenant().zone))
    record_audit(
        "contract_created",
        "contract",
        contract.id,
        company_id=company_id,
        fee_cents=fee_cents,
        currency=currency,
        interval=interval,
    )
    return contract


def backfill_start(contract: Contract, today: date, confirmed: bool) -> date | None:
    """The first period start a new contract bills: None (all) within the firm's back-fill."""
    cap = billing_settings().backfill_periods
    begun = [start for start, _end in contract_periods(contract, today)]
    if len(begun) <= cap:
        return None
    if not confirmed:
        raise BackfillNeedsConfirmation(len(begun), cap)
    return begun[-cap]


def billable_periods(contract: Contract, today: date, cap: int):
    """The periods a run may bill: begun by ``today`` and not before ``bill_from``.

    A contract without ``bill_from`` (from before the back-fill rule, or written around
    the form) is billed only for its latest ``cap`` periods: however far back it starts,
    runs never create more than that for it in all.
    """
    begun = list(contract_periods(contract, today))
    if contract.bill_from is None:
        return begun[-cap:]
    return [(start, end) for start, end in begun if start >= contract.bill_from]


def bill_contract(
    contract: Contract,
    today: date,
    existing: set[str] | None = None,
    prefix: str | None = None,
    limit: int | None = None,
) -> list[int]:
    """Invoices for the contract's billable periods that have none yet, at most ``limit``
    (the firm's back-fill setting), oldest first.

    ``existing`` (source keys already billed) saves a query per contract in a run;
    the unique key still guards against a concurrent run.
    """
    limit = limit or billing_settings().backfill_periods
    if existing is None:
        existing = set(
            db.session.scalars(
                select(Invoice.source_key).where(
                    Invoice.source == "contract", Invoice.contract_id == contract.id
                )
            )
        )
    created = []
    for start, end in billable_periods(contract, today, limit):
        key = f"{contract.id}:{start.isoformat()}"
        if key in existing:
            continue
        if len(created) >= limit:
            break
        invoice_id = insert_invoice(
            NewInvoice(
                company_id=contract.company_id,
                amount_cents=contract.fee_cents,
                currency=contract.currency,
                description=f"{contract.plan} {start} – {end}",
                source="contract",
                source_key=key,
                issued_on=start,
                due_on=start + timedelta(days=contract.payment_terms_days),
                contract_id=contract.id,
                period_start=start,
                period_end=end,
            ),
            prefix,
        )
        if invoice_id is not None:
            created.append(invoice_id)
    return created


#: Contracts billed per transaction: short enough that the numbering lock is brief.
RUN_BATCH = 50


def run_billing(today: date | None = None) -> int:
    """Create every due contract invoice of the bound firm; returns how many were new.

    Commits every ``RUN_BATCH`` contracts; re-running (or running twice at once)
    creates nothing more.
    """
    from yk_saas.billing.credit import check_credit_limit, companies_with_limits

    today = today or current_tenant().today()
    contracts = db.session.scalars(
        select(Contract)
        .where(Contract.is_active.is_(True), Contract.starts_on <= today)
        .order_by(Contract.id)
    ).all()
    for contract in contracts:  # read-only here: batch commits must not reload each one
        db.session.expunge(contract)
    existing = set(
        db.session.scalars(select(Invoice.source_key).where(Invoice.source == "contract"))
    )
    settings, limited = billing_settings(), companies_with_limits()
    prefix, cap = settings.invoice_prefix, settings.backfill_periods
    total = 0
    for index, contract in enumerate(contracts, 1):
        created = bill_contract(contract, today, existing, prefix, cap)
        if created and contract.company_id in limited:
            check_credit_limit(contract.company_id)
        total += len(created)
        if index % RUN_BATCH == 0:
            db.session.commit()  # per batch: the numbering counter's row lock stays short
    db.session.commit()  # the last batch, before the caller does anything slow
    return total


def next_period_start(contract: Contract, today: date, existing: set[str], cap: int | None = None):
    """The first period start of ``contract`` a run has still to bill: a begun, billable
    period without its invoice, else the next period to begin; None when it has ended."""
    cap = cap or billing_settings().backfill_periods
    for start, _end in billable_periods(contract, today, cap):
        if f"{contract.id}:{start.isoformat()}" not in existing:
            return start
    for start, _end in contract_periods(contract, add_months(today, 12)):
        if start > today:
            return start
    return None


def next_billing_due(today: date | None = None) -> datetime | None:
    """When the bound firm next has a contract period to bill (midnight of its first day,
    firm time), from its own tables; None when no active contract has one to come."""
    today = today or current_tenant().today()
    existing = set(
        db.session.scalars(select(Invoice.source_key).where(Invoice.source == "contract"))
    )
    cap = billing_settings().backfill_periods
    starts = [
        next_period_start(contract, today, existing, cap)
        for contract in db.session.scalars(select(Contract).where(Contract.is_active.is_(True)))
    ]
    starts = [start for start in starts if start is not None]
    return due.start_of_day(min(starts), current_tenant().zone) if starts else None


def billing_rules_changed() -> None:
    """The back-fill setting changed: which periods a run bills may have, so run it now."""
    due.mark_due_now(DUE_KIND)


def invoice_order(
    item_id: int, company_id: int, amount_cents: int, currency: str, description: str | None = None
) -> Invoice | None:
    """The one-off invoice of a paid order, created once per work item; caller commits."""
    today = current_tenant().today()
    invoice = create_invoice(
        NewInvoice(
            company_id=company_id,
            amount_cents=amount_cents,
            currency=currency,
            description=description or _("Order #%(id)s", id=item_id),
            source="order",
            source_key=str(item_id),
            issued_on=today,
            due_on=today + timedelta(days=7),
        )
    )
    if invoice is not None:
        record_audit(
            "invoice_created",
            "invoice",
            invoice.id,
            source="order",
            item_id=item_id,
            amount_cents=amount_cents,
            currency=currency,
        )
    return invoice


def locked_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
    if invoice is None:
        raise BillingError(_("No such invoice."))
    return invoice


def settle_status(invoice: Invoice) -> None:
    """Mark an invoice paid once nothing is left to pay."""
    if invoice.status == "open" and invoice.balance_cents == 0:
        invoice.status = "paid"
        invoice.paid_at = utcnow()


def apply_payment(
    invoice_id: int,
    amount_cents: int,
    currency: str,
    provider: str,
    method: str,
    reference: str,
    received_on: date,
    recorded_by: User | None = None,
    provider_key: str | None = None,
) -> Payment | None:
    """Record money received on an invoice; None when this provider key is known.

    Refuses an amount above what is still owed or in another currency. The
    caller commits.
    """
    invoice = locked_invoice(invoice_id)
    provider_key = provider_key or f"{provider}-{secrets.token_hex(8)}"
    if db.session.scalar(
        select(Payment.id).where(Payment.provider == provider, Payment.provider_key == provider_key)
    ):
        return None
    if currency != invoice.currency:
        raise BillingError(_("The payment's currency differs from the invoice's."))
    if invoice.status != "open":
        raise BillingError(_("This invoice is not open for payment."))
    if amount_cents <= 0 or amount_cents > invoice.balance_cents:
        raise BillingError(_("The amount must be more than zero and at most what is still owed."))
    payment = Payment(
        invoice_id=invoice.id,
        company_id=invoice.company_id,
        provider=provider,
        method=method,
        reference=reference,
        provider_key=provider_key,
        amount_cents=amount_cents,
        currency=currency,
        received_on=received_on,
        receipt_number=format_number("RC", received_on.year, next_number("RC", received_on.year)),
        recorded_by_id=getattr(recorded_by, "id", None),
    )
    db.session.add(payment)
    invoice.paid_cents += amount_cents
    settle_status(invoice)
    db.session.flush()
    after_payment(invoice, payment, recorded_by)
    return payment


def after_payment(invoice: Invoice, payment: Payment, actor: User | None) -> None:
    from yk_saas.billing.credit import check_credit_limit
    from yk_saas.billing.events import notify_company, notify_managers_of

    record_audit(
        "payment_recorded",
        "invoice",
        invoice.id,
        actor=actor,
        payment_id=payment.id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        provider=payment.provider,
        method=payment.method,
    )
    params = {
        "number": invoice.number,
        "amount": payment.amount_cents,
        "currency": payment.currency,
    }
    notify_company(
        "billing.payment_received",
        invoice.company_id,
        f"/portal/billing/invoices/{invoice.id}",
        **params,
    )
    notify_managers_of(
        "billing.payment_received",
        invoice.company_id,
        f"/desk/billing/invoices/{invoice.id}",
        **params,
    )
    check_credit_limit(invoice.company_id)


def record_offline_payment(
    invoice_id: int,
    amount_cents: int,
    method: str,
    reference: str,
    received_on: date,
    recorded_by: User,
) -> Payment:
    """Staff record a bank transfer, cash or other payment; the caller commits."""
    if method not in PAYMENT_METHODS:
        raise BillingError(_("Unknown payment method."))
    invoice = locked_invoice(invoice_id)
    return apply_payment(
        invoice.id,
        amount_cents,
        invoice.currency,
        "offline",
        method,
        reference.strip(),
        received_on,
        recorded_by,
    )


def issue_credit_note(invoice_id: int, amount_cents: int, reason: str, by: User) -> CreditNote:
    """Lower what an invoice asks for, by a numbered credit note; the caller commits."""
    invoice = locked_invoice(invoice_id)
    if invoice.status == "void":
        raise BillingError(_("This invoice is void."))
    if amount_cents <= 0 or amount_cents > invoice.balance_cents:
        raise BillingError(_("A credit note can be at most what is still owed."))
    year = current_tenant().today().year
    note = CreditNote(
        number=format_number("CN", year, next_number("CN", year)),
        invoice_id=invoice.id,
        amount_cents=amount_cents,
        currency=invoice.currency,
        reason=reason.strip(),
        created_by_id=by.id,
    )
    db.session.add(note)
    invoice.credited_cents += amount_cents
    settle_status(invoice)
    db.session.flush()
    record_audit(
        "credit_note_issued",
        "invoice",
        invoice.id,
        actor=by,
        credit_note_id=note.id,
        amount_cents=amount_cents,
        currency=invoice.currency,
    )
    return note


def company_outstanding(company_id: int) -> dict[str, int]:
    """What a client company still owes, per currency."""
    rows = db.session.execute(
        select(
            Invoice.currency,
            func.sum(Invoice.amount_cents - Invoice.credited_cents - Invoice.paid_cents),
        )
        .where(Invoice.company_id == company_id, Invoice.status == "open")
        .group_by(Invoice.currency)
    ).all()
    return {currency: int(total) for currency, total in rows}


#: The states an invoice list can be narrowed to (``overdue`` is open and past its due date).
INVOICE_STATES = ("open", "overdue", "paid", "void")


def visible_invoices_query(user: User, q: str = "", state: str = ""):
    """A select of the invoices of the companies ``user`` may see (``visible_company_ids``);
    with ``q``, those whose number, description or client's name contains it; with ``state``
    (one of ``INVOICE_STATES``), those in that state."""
    from yk_saas.clients.models import ClientCompany
    from yk_saas.clients.services import visible_company_ids

    query = select(Invoice)
    if not user.is_manager:
        query = query.where(Invoice.company_id.in_(visible_company_ids(user)))
    if q:
        from yk_saas.billing import bank

        companies = select(ClientCompany.id).where(matches(q, ClientCompany.name))
        numbers = bank.invoice_numbers_for(q)  # a payment reference as the client quoted it
        by_reference = [bank.compact_number_column().in_(numbers)] if numbers else []
        query = query.where(
            or_(
                matches(q, Invoice.number, Invoice.description),
                Invoice.company_id.in_(companies),
                *by_reference,
            )
        )
    if state == "overdue":
        query = query.where(Invoice.status == "open", Invoice.due_on < current_tenant().today())
    elif state in INVOICE_STATES:
        query = query.where(Invoice.status == state)
    return query


def invoice_numbers(invoice_ids) -> dict[int, str]:
    """Invoice number by id, in one query, for a page of rows that point at invoices."""
    return dict(
        db.session.execute(
            select(Invoice.id, Invoice.number).where(Invoice.id.in_(list(invoice_ids)))
        ).all()
    )


def get_visible_invoice(user: User, invoice_id: int) -> Invoice | None:
    """The invoice if ``user`` may see its company, else None."""
    return db.session.scalar(visible_invoices_query(user).where(Invoice.id == invoice_id))
