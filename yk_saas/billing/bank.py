"""Bank transfer: the firm's account on its invoices, a payment reference per invoice, and
staff matching a transfer that arrived to the invoices it pays.

The payment reference is the invoice number without punctuation (banks drop it from a
transfer's note) followed by two check digits (ISO 7064 mod 97-10, as in an IBAN), so a
mistyped reference is recognised as wrong instead of pointing at another invoice.

The product keeps no credit balance for clients: a transfer larger than what the chosen
invoices still owe is refused; staff tick more invoices or return the difference.
"""

import re
import secrets
from datetime import date

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import BillingSettings, Invoice, Payment
from yk_saas.billing.services import BillingError, apply_payment
from yk_saas.money import format_money

ACCOUNT_DIGITS = (8, 30)
NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Z]")


# --- the firm's account ---------------------------------------------------------------------


def save_bank_details(
    settings: BillingSettings, account_name: str, bank_name: str, branch: str, number: str
) -> None:
    """Set (or clear, all empty) the account clients transfer to; the caller commits.

    Name, bank and number go together; the number is digits, spaces allowed while typing.
    """
    account_name, bank_name, branch = (
        " ".join((v or "").split()) for v in (account_name, bank_name, branch)
    )
    raw_number = (number or "").strip()
    if not any((account_name, bank_name, branch, raw_number)):
        settings.bank_account_name = settings.bank_name = None
        settings.bank_branch = settings.bank_account_number = None
        return
    if not re.fullmatch(r"[0-9 ]+", raw_number):
        raise BillingError(
            _("An account number has digits only (spaces are allowed)."), "bank_account_number"
        )
    digits = raw_number.replace(" ", "")
    low, high = ACCOUNT_DIGITS
    if not low <= len(digits) <= high:
        raise BillingError(
            _("An account number has %(low)d to %(high)d digits.", low=low, high=high),
            "bank_account_number",
        )
    for value, field in ((account_name, "bank_account_name"), (bank_name, "bank_name")):
        if len(value) < 2:
            raise BillingError(_("Enter the account name and the bank with the number."), field)
    settings.bank_account_name, settings.bank_name = account_name, bank_name
    settings.bank_branch, settings.bank_account_number = branch or None, digits


def grouped_account_number(digits: str | None) -> str:
    """``6222020200001234567`` → ``6222 0202 0000 1234 567`` (easier to copy correctly)."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits or ""), 4))


def bank_details(settings: BillingSettings | None = None) -> dict | None:
    """What an invoice shows for paying by transfer, or None when the firm gave no account."""
    if settings is None:
        from yk_saas.billing.services import billing_settings

        settings = billing_settings()
    if not settings.bank_account_number:
        return None
    return {
        "account_name": settings.bank_account_name,
        "bank_name": settings.bank_name,
        "branch": settings.bank_branch,
        "account_number": grouped_account_number(settings.bank_account_number),
    }


# --- payment references ---------------------------------------------------------------------


def compact(text: str) -> str:
    return NOT_ALPHANUMERIC.sub("", (text or "").upper())


def check_digits(body: str) -> str:
    """Two digits making ``body + digits`` ≡ 1 (mod 97), letters counted as 10…35."""
    as_number = int("".join(str(int(char, 36)) for char in body) + "00")
    return f"{98 - as_number % 97:02d}"


def payment_reference(invoice_number: str) -> str:
    """``INV-2026-00012`` → ``INV20260001247``: the same for the invoice's whole life."""
    body = compact(invoice_number)
    return body + check_digits(body)


def is_valid_reference(text: str) -> bool:
    code = compact(text)
    return len(code) > 2 and code[-2:].isdigit() and check_digits(code[:-2]) == code[-2:]


def invoice_numbers_for(query: str) -> list[str]:
    """Compact invoice numbers a search may mean: a whole reference, or the number itself."""
    code = compact(query)
    if not code:
        return []
    return [code, code[:-2]] if is_valid_reference(code) else [code]


def compact_number_column():
    return func.regexp_replace(func.upper(Invoice.number), "[^0-9A-Z]", "", "g")


def search_invoices(query, text: str):
    """``query`` (a select of invoices) narrowed to the number or payment reference in ``text``."""
    candidates = invoice_numbers_for(text)
    if not candidates:
        return query
    return query.where(compact_number_column().in_(candidates))


def references_in(note: str) -> list[str]:
    """Valid payment references inside a transfer's note, in order, each once."""
    found = []
    for token in re.findall(r"[0-9A-Za-z][0-9A-Za-z\- ]{4,40}[0-9]", note or ""):
        for word in [token, *token.split()]:
            code = compact(word)
            if is_valid_reference(code) and code[:-2] not in found:
                found.append(code[:-2])
    return found


# --- matching a transfer to invoices --------------------------------------------------------


def open_invoices_of(company_id: int) -> list[Invoice]:
    """A company's open invoices, oldest due first (the order a transfer pays them in)."""
    return db.session.scalars(
        select(Invoice)
        .where(Invoice.company_id == company_id, Invoice.status == "open")
        .order_by(Invoice.due_on, Invoice.id)
    ).all()


def invoice_ids_by_reference(company_id: int, note: str) -> list[int]:
    """Open invoices of the company whose payment reference the transfer's note quotes."""
    numbers = references_in(note)
    if not numbers:
        return []
    return list(
        db.session.scalars(
            select(Invoice.id).where(
                Invoice.company_id == company_id,
                Invoice.status == "open",
                compact_number_column().in_(numbers),
            )
        )
    )


def record_bank_transfer(
    company_id: int,
    amount_cents: int,
    invoice_ids: list[int],
    reference: str,
    received_on: date,
    recorded_by: User,
) -> list[Payment]:
    """One transfer received from a client company, spread over the chosen invoices.

    The invoices are paid oldest due first; the last one may be paid in part. Each
    invoice gets its own payment with its own receipt. A transfer above what the chosen
    invoices still owe is refused (there is no client credit to keep the rest on). The
    caller commits.
    """
    if not invoice_ids:
        raise BillingError(_("Tick the invoices this transfer pays."), "invoice_ids")
    if amount_cents is None or amount_cents <= 0:
        raise BillingError(_("The amount must be more than zero."), "amount")
    invoices = db.session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(set(invoice_ids)))
        .order_by(Invoice.due_on, Invoice.id)
        .with_for_update()
    ).all()
    if len(invoices) != len(set(invoice_ids)) or any(i.company_id != company_id for i in invoices):
        raise BillingError(
            _("One transfer pays invoices of one client company only."), "invoice_ids"
        )
    if any(i.status != "open" for i in invoices):
        raise BillingError(_("A ticked invoice is not open for payment any more."), "invoice_ids")
    currencies = {i.currency for i in invoices}
    if len(currencies) != 1:
        raise BillingError(_("The ticked invoices are in different currencies."), "invoice_ids")
    currency = currencies.pop()
    owed = sum(i.balance_cents for i in invoices)
    if amount_cents > owed:
        locale = str(get_locale()) if has_request_context() else current_tenant().locale
        raise BillingError(
            _(
                "This transfer (%(amount)s) is more than the ticked invoices still owe "
                "(%(owed)s). Tick more invoices of this client, or return the difference: "
                "no client credit is kept.",
                amount=format_money(amount_cents, currency, locale),
                owed=format_money(owed, currency, locale),
            ),
            "amount",
        )
    transfer_key = secrets.token_hex(8)
    reference = " ".join((reference or "").split())[:120]
    payments, left = [], amount_cents
    for invoice in invoices:
        if left == 0:
            break
        part = min(left, invoice.balance_cents)
        payments.append(
            apply_payment(
                invoice.id,
                part,
                currency,
                "offline",
                "bank_transfer",
                reference,
                received_on,
                recorded_by,
                provider_key=f"transfer-{transfer_key}-{invoice.id}",
            )
        )
        left -= part
    record_audit(
        "bank_transfer_matched",
        "company",
        company_id,
        actor=recorded_by,
        transfer=transfer_key,
        amount_cents=amount_cents,
        currency=currency,
        payments={str(p.invoice_id): p.amount_cents for p in payments},
    )
    return payments
