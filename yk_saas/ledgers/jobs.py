"""Worker jobs of ledgers: remind accountants of clients whose books are missing.

The due-work index (kind ``ledger-reminders``) holds the next day to look: the
10th of the month; from then on the next day while an active accountant has had
no reminder this month (books may go missing later in the month); else the 10th
of the next month. A firm without accountants has no row until one is added.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from tenants import db
from tenants.jobs import platform_job, tenant_job
from yk_saas import due
from yk_saas.accounts.models import User
from yk_saas.jobs import for_each_firm
from yk_saas.ledgers import services
from yk_saas.models_base import utcnow
from yk_saas.notifications.models import Notification
from yk_saas.notifications.services import notify

#: Books of a month are expected by this day of the next month (before the tax deadline on the 15th).
REMIND_FROM_DAY = 10
DUE_KIND = "ledger-reminders"


@platform_job
def ledger_reminders_everywhere() -> int:
    """One reminder job per firm, whatever the index says (kept for jobs queued under it)."""
    return for_each_firm(send_ledger_reminders)


@tenant_job
def send_ledger_reminders() -> int:
    """From the 10th, tell each accountant once per month how many clients lack last month's books."""
    return due.run_due_job(DUE_KIND, remind_if_due, next_reminder_due)


def remind_if_due() -> int:
    today = utcnow().date()
    if today.day < REMIND_FROM_DAY:
        return 0
    return remind_missing_books(services.previous_period(today))


def reminder_link(period: str) -> str:
    return f"/desk/ledgers/?period={period}"


def reminders_start(today: date) -> date:
    """The first day reminders go out for the books due in ``today``'s month or the next."""
    if today.day < REMIND_FROM_DAY:
        return today.replace(day=REMIND_FROM_DAY)
    following = today.replace(day=28) + timedelta(days=4)
    return following.replace(day=REMIND_FROM_DAY)


def next_reminder_due(today: date | None = None) -> datetime | None:
    """When to look again (None: the firm has no active accountant to remind)."""
    today = today or utcnow().date()
    accountants = select(User.id).where(User.role == "accountant", User.is_active.is_(True))
    if db.session.execute(accountants.limit(1)).first() is None:
        return None
    if today.day >= REMIND_FROM_DAY:
        reminded = select(Notification.user_id).where(
            Notification.event == "ledger_missing",
            Notification.link == reminder_link(services.previous_period(today)),
        )
        if db.session.execute(accountants.where(User.id.not_in(reminded)).limit(1)).first():
            return due.spread(due.start_of_day(today + timedelta(days=1)))
    return due.spread(due.start_of_day(reminders_start(today)))


def accountant_added(sender, role: str | None = None, **kwargs) -> None:
    """A new (or newly enabled) accountant: look when reminders next go out, or tomorrow."""
    if role == "accountant":
        today = utcnow().date()
        day = today + timedelta(days=1) if today.day >= REMIND_FROM_DAY else reminders_start(today)
        due.mark_due(DUE_KIND, due.spread(due.start_of_day(day)))


def remind_missing_books(period: str) -> int:
    """One notification per accountant with missing books for ``period``; never twice."""
    link = reminder_link(period)
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
