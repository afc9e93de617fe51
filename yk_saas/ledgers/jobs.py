"""Worker jobs of ledgers: remind accountants of clients whose books are missing."""

from sqlalchemy import select

from tenants import db
from tenants.jobs import platform_job, tenant_job
from yk_saas.accounts.models import User
from yk_saas.jobs import for_each_firm
from yk_saas.ledgers import services
from yk_saas.models_base import utcnow
from yk_saas.notifications.models import Notification
from yk_saas.notifications.services import notify

#: Books of a month are expected by this day of the next month (before the tax deadline on the 15th).
REMIND_FROM_DAY = 10


@platform_job
def ledger_reminders_everywhere() -> int:
    """Periodic: remind accountants of missing books, in every firm."""
    return for_each_firm(send_ledger_reminders)


@tenant_job
def send_ledger_reminders() -> int:
    """From the 10th, tell each accountant once per month how many clients lack last month's books."""
    today = utcnow().date()
    if today.day < REMIND_FROM_DAY:
        return 0
    return remind_missing_books(services.previous_period(today))


def remind_missing_books(period: str) -> int:
    """One notification per accountant with missing books for ``period``; never twice."""
    link = f"/desk/ledgers/?period={period}"
    sent = 0
    for accountant in db.session.scalars(
        select(User).where(User.role == "accountant", User.is_active.is_(True))
    ):
        already = db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == accountant.id,
                Notification.event == "ledger_missing",
                Notification.link == link,
            )
        )
        missing = services.missing_books(accountant, period) if not already else []
        if missing:
            notify("ledger_missing", [accountant.id], link=link, count=len(missing), period=period)
            sent += 1
    return sent
