"""Credit limits (K3): warn staff once each time a client goes over its limit."""

from sqlalchemy import select

from tenants import current_tenant, db
from yk_saas.audit.services import record_audit
from yk_saas.billing.models import ClientCredit
from yk_saas.clients.models import ClientCompany
from yk_saas.models_base import utcnow


def credit_row(company_id: int, lock: bool = False) -> ClientCredit | None:
    query = select(ClientCredit).where(ClientCredit.company_id == company_id)
    return db.session.scalar(query.with_for_update() if lock else query)


def companies_with_limits() -> set[int]:
    """Companies that have a credit limit (the others need no check)."""
    return set(
        db.session.scalars(
            select(ClientCredit.company_id).where(ClientCredit.limit_cents.is_not(None))
        )
    )


def set_credit_limit(company_id: int, limit_cents: int | None, currency: str) -> ClientCredit:
    """Set (or clear, with None) a client's credit limit; the caller commits."""
    row = credit_row(company_id, lock=True)
    if row is None:
        row = ClientCredit(company_id=company_id, currency=currency)
        db.session.add(row)
    row.limit_cents, row.currency = limit_cents, currency
    db.session.flush()
    record_audit(
        "credit_limit_set", "company", company_id, limit_cents=limit_cents, currency=currency
    )
    check_credit_limit(company_id)
    return row


def check_credit_limit(company_id: int) -> bool:
    """Compare the balance with the limit; warn on a new crossing. True when over."""
    from yk_saas.billing.events import notify_managers_of
    from yk_saas.billing.services import company_outstanding

    row = credit_row(company_id, lock=True)
    if row is None or row.limit_cents is None:
        return False
    owed = company_outstanding(company_id).get(row.currency, 0)
    over = owed > row.limit_cents
    if over and row.over_limit_since is None:
        row.over_limit_since = utcnow()
        name = db.session.scalar(select(ClientCompany.name).where(ClientCompany.id == company_id))
        notify_managers_of(
            "billing.credit_limit",
            company_id,
            f"/desk/billing/clients/{company_id}",
            company=name,
            amount=owed,
            currency=row.currency,
        )
        record_audit(
            "credit_limit_crossed",
            "company",
            company_id,
            owed_cents=owed,
            limit_cents=row.limit_cents,
            firm=current_tenant().slug,
        )
    elif not over and row.over_limit_since is not None:
        row.over_limit_since = None
    return over
