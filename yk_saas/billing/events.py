"""The money notifications and who receives them."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS
from yk_saas.accounts.models import User
from yk_saas.billing.refunds import ACTION_LABELS
from yk_saas.clients.models import ClientCompany
from yk_saas.notifications.services import EventType, notify

# E-mails of reminders use the firm's own wording (dunning.py); in-app uses this title.
EVENT_TYPES = (
    # Worded for before and after the due date alike: reminders go out on both sides of it.
    EventType(
        "billing.reminder",
        _l("Payment reminder: invoice %(number)s, due date %(due_date)s"),
        email=False,
    ),
    EventType("billing.payment_received", _l("Payment received for invoice %(number)s")),
    EventType(
        "billing.refund_step",
        _l("Refund on invoice %(number)s: %(step)s"),
        labels={"step": ACTION_LABELS},
    ),
    EventType("billing.credit_limit", _l("%(company)s is over its credit limit")),
    EventType("billing.fapiao_requested", _l("Fapiao requested for invoice %(number)s")),
    EventType("billing.fapiao_issued", _l("Your fapiao for invoice %(number)s is ready")),
)


def company_user_ids(company_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.client_company_id == company_id)))


def manager_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role.in_(MANAGERS))))


def staff_of(company_id: int) -> list[int]:
    """Managers plus the company's dedicated accountant."""
    accountant = db.session.scalar(
        select(ClientCompany.dedicated_accountant_id).where(ClientCompany.id == company_id)
    )
    return manager_ids() + ([accountant] if accountant else [])


def notify_company(event: str, company_id: int, link: str, **params) -> None:
    notify(event, company_user_ids(company_id), link=link, **params)


def notify_managers_of(event: str, company_id: int, link: str, **params) -> None:
    notify(event, staff_of(company_id), link=link, **params)
