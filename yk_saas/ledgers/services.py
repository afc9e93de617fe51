"""Ledgers: periods, key figures, tax filings, files, and who may see them."""

import re
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import visible_companies_query
from yk_saas.errors import UserError
from yk_saas.files.models import StoredFile
from yk_saas.files.services import DOCUMENTS, MB, save_upload
from yk_saas.ledgers.models import FIGURES, FILING_STATES, TAXES, LedgerPeriod, TaxFiling
from yk_saas.models_base import utcnow
from yk_saas.money import AmountError, parse_amount
from yk_saas.reports.registry import TodoEntry

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FILE_OWNER = "ledger"
MAX_FILE = 20 * MB


class LedgerError(UserError):
    """A problem the user can fix."""


def valid_period(text: str | None) -> str | None:
    """``"2026-10"`` if ``text`` is a month between 2000 and 2099, else None."""
    text = (text or "").strip()
    match = PERIOD_RE.match(text)
    return text if match and 2000 <= int(match.group(1)) <= 2099 else None


def previous_period(today: date | None = None) -> str:
    """The month whose books are due now: the previous calendar month."""
    today = today or utcnow().date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def shift_period(period: str, months: int) -> str:
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_signed_amount(text: str | None, currency: str) -> int | None:
    """Minor units of ``text`` ("-1,200.50" allowed: a loss), None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    negative = text.startswith("-")
    value = parse_amount(text[1:] if negative else text, currency)
    return -value if negative else value


def visible_periods_query(user: User):
    """Ledger periods of the companies ``user`` may see."""
    companies = visible_companies_query(user).with_only_columns(ClientCompany.id)
    return select(LedgerPeriod).where(LedgerPeriod.company_id.in_(companies))


def get_visible_period(user: User, period_id: int) -> LedgerPeriod | None:
    """The period if ``user`` may see its company, else None."""
    return db.session.scalar(visible_periods_query(user).where(LedgerPeriod.id == period_id))


def get_visible_file(user: User, key: str) -> StoredFile | None:
    """A ledger file by its key if ``user`` may see its period, else None."""
    periods = visible_periods_query(user).with_only_columns(LedgerPeriod.id)
    return db.session.scalar(
        select(StoredFile).where(
            StoredFile.key == key,
            StoredFile.owner_type == FILE_OWNER,
            StoredFile.owner_id.in_(periods),
        )
    )


def open_period(company_id: int, period: str) -> LedgerPeriod:
    """The company's ledger for ``period``, created if new ."""
    if not valid_period(period):
        raise LedgerError(_("Give the month as YYYY-MM."))
    row = db.session.scalar(
        select(LedgerPeriod).where(
            LedgerPeriod.company_id == company_id, LedgerPeriod.period == period
        )
    )
    if row is None:
        row = LedgerPeriod(company_id=company_id, period=period, currency=current_tenant().currency)
        db.session.add(row)
        db.session.flush()
    return row


def save_figures(period: LedgerPeriod, texts: dict, by: User) -> None:
    """Parse and store the key figures; raises LedgerError naming the bad field."""
    values = {}
    for key in FIGURES:
        try:
            values[key] = parse_signed_amount(texts.get(key), period.currency)
        except AmountError as exc:
            raise LedgerError(_('"%(value)s" is not an amount.', value=texts.get(key))) from exc
    for key, value in values.items():
        setattr(period, key, value)
    period.note = (texts.get("note") or "").strip() or None
    period.updated_by_id, period.updated_at = by.id, utcnow()


def filings_of(period_id: int) -> dict[str, TaxFiling]:
    return {
        f.tax: f
        for f in db.session.scalars(select(TaxFiling).where(TaxFiling.period_id == period_id))
    }


def set_filing(period: LedgerPeriod, tax: str, status: str, on: date | None) -> TaxFiling:
    """Record a tax's status for the period; filed/paid dates default to today."""
    if tax not in TAXES or status not in FILING_STATES:
        raise LedgerError(_("Unknown tax or status."))
    filing = filings_of(period.id).get(tax) or TaxFiling(period_id=period.id, tax=tax)
    db.session.add(filing)
    filing.status = status
    today = on or utcnow().date()
    filing.filed_on = None if status == "not_filed" else (filing.filed_on or today)
    filing.paid_on = today if status == "paid" else None
    if status == "filed" and on:
        filing.filed_on = on
    db.session.flush()
    return filing


def attach_file(period: LedgerPeriod, upload, by: User) -> StoredFile:
    """Store a PDF, XLSX or image of the period's books; the first one delivers them."""
    stored = save_upload(
        upload,
        allowed=DOCUMENTS,
        max_bytes=MAX_FILE,
        owner_type=FILE_OWNER,
        owner_id=period.id,
        uploaded_by_id=by.id,
    )
    if period.delivered_at is None:
        period.delivered_at = utcnow()
        notify_books_ready(period)
    return stored


def notify_books_ready(period: LedgerPeriod) -> None:
    from yk_saas.notifications.services import notify

    clients = db.session.scalars(select(User.id).where(User.client_company_id == period.company_id))
    notify("ledger_ready", clients, link=f"/portal/ledgers/{period.id}", period=period.period)


def files_of(period_id: int):
    return db.session.scalars(
        select(StoredFile)
        .where(StoredFile.owner_type == FILE_OWNER, StoredFile.owner_id == period_id)
        .order_by(StoredFile.id)
    ).all()


def remove_file(period: LedgerPeriod, key: str) -> None:
    from yk_saas.files.services import delete_stored_file

    stored = db.session.scalar(
        select(StoredFile).where(
            StoredFile.key == key,
            StoredFile.owner_type == FILE_OWNER,
            StoredFile.owner_id == period.id,
        )
    )
    if stored is not None:
        delete_stored_file(stored)
        db.session.flush()
        if not files_of(period.id):
            period.delivered_at = None


def periods_query(company_id: int):
    """The company's periods, newest first."""
    return (
        select(LedgerPeriod)
        .where(LedgerPeriod.company_id == company_id)
        .order_by(LedgerPeriod.period.desc())
    )


def periods_of(company_id: int, limit: int) -> list[LedgerPeriod]:
    """The company's latest ``limit`` periods, newest first (for the charts)."""
    return db.session.scalars(periods_query(company_id).limit(limit)).all()


def file_counts(period_ids) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(StoredFile.owner_id, func.count(StoredFile.id))
            .where(StoredFile.owner_type == FILE_OWNER, StoredFile.owner_id.in_(list(period_ids)))
            .group_by(StoredFile.owner_id)
        ).all()
    )


def missing_books(user: User, period: str):
    """Active companies ``user`` may see whose books for ``period`` are not delivered yet."""
    delivered = select(LedgerPeriod.company_id).where(
        LedgerPeriod.period == period, LedgerPeriod.delivered_at.is_not(None)
    )
    return db.session.scalars(
        visible_companies_query(user)
        .where(ClientCompany.status == "active", ClientCompany.id.not_in(delivered))
        .order_by(ClientCompany.name)
    ).all()


def delivered_count(user: User, period: str) -> int:
    companies = visible_companies_query(user).with_only_columns(ClientCompany.id)
    return db.session.scalar(
        select(func.count(LedgerPeriod.id)).where(
            LedgerPeriod.period == period,
            LedgerPeriod.delivered_at.is_not(None),
            LedgerPeriod.company_id.in_(companies),
        )
    )


def my_missing_books(user: User, now) -> list:
    """For ``user``'s to-do list: their own clients (as dedicated accountant) whose books for
    the month now due (the previous calendar month, by the firm's date) are not delivered."""
    period = previous_period(now.astimezone(current_tenant().zone).date())
    return [
        TodoEntry(
            section="books",
            kind=_l("Books"),
            title=period,
            link=url_for("ledgers.company", company_id=company.id),
            company=company.name,
        )
        for company in missing_books(user, period)
        if company.dedicated_accountant_id == user.id
    ]
