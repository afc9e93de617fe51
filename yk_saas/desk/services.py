"""The firm's own settings, the desk's overview figures and each person's to-do list."""

from datetime import date, datetime, time

from sqlalchemy import func, select, update

from tenants import current_tenant, db
from tenants.models import Tenant
from tenants.resolve import invalidate_after_commit
from yk_saas.access import STAFF
from yk_saas.accounts.models import Invitation, User
from yk_saas.audit.services import record_audit
from yk_saas.clients.models import ClientCompany
from yk_saas.mail.models import OutboxEmail
from yk_saas.models_base import utcnow
from yk_saas.reports.registry import TODO_PROVIDERS, TODO_SECTIONS, URGENCY_ORDER, TodoEntry

CONTACT_KEYS = ("phone", "email", "address")


def update_firm_settings(name: str, locale: str, timezone: str, contact: dict) -> None:
    """Save the firm's registry row (name, language, time zone, contact details).

    Cached firm lookups are dropped once the change is committed.
    """
    firm = current_tenant()
    branding = dict(firm.branding)
    branding.update({k: (contact.get(k) or "").strip() for k in CONTACT_KEYS})
    db.session.execute(
        update(Tenant)
        .where(Tenant.id == firm.id)
        .values(name=name.strip(), locale=locale, timezone=timezone, branding=branding)
    )
    record_audit(
        "firm_settings_changed",
        "firm",
        firm.id,
        name=name.strip(),
        locale=locale,
        timezone=timezone,
    )
    invalidate_after_commit()


def overview_counts() -> dict[str, int]:
    """Headline figures of the desk's home page, in one round trip."""
    row = db.session.execute(
        select(
            select(func.count(User.id)).where(User.role.in_(STAFF)).scalar_subquery(),
            select(func.count(ClientCompany.id)).scalar_subquery(),
            select(func.count(User.id)).where(User.role == "client").scalar_subquery(),
            select(func.count(Invitation.id))
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .scalar_subquery(),
            select(func.count(OutboxEmail.id)).scalar_subquery(),
        )
    ).one()
    return dict(zip(("staff", "companies", "client_users", "invitations", "emails"), row))


def my_todo(user: User, now: datetime | None = None) -> dict[str, list[TodoEntry]]:
    """``user``'s own to-do list from every feature's provider, by section (``TODO_SECTIONS``),
    each section urgent first, then soonest due (undated last)."""
    now = now or utcnow()
    zone = current_tenant().zone

    def order(entry: TodoEntry):
        due = entry.due
        if isinstance(due, date) and not isinstance(due, datetime):
            due = datetime.combine(due, time.min, tzinfo=zone)
        return (URGENCY_ORDER.get(entry.urgency, 1), due is None, due or now, entry.title)

    sections: dict[str, list[TodoEntry]] = {section: [] for section in TODO_SECTIONS}
    for provider in TODO_PROVIDERS:
        for entry in provider(user, now):
            sections[entry.section].append(entry)
    return {section: sorted(entries, key=order) for section, entries in sections.items()}


def urgency_counts(entries: list[TodoEntry]) -> dict[str, int]:
    """How many of ``entries`` are urgent, normal and low."""
    return {u: sum(1 for e in entries if e.urgency == u) for u in URGENCY_ORDER}
