"""Follow-up visits (回访, K5): scheduled per client, logged with outcome and satisfaction.

The accountant is reminded the day before (UTC day, as the reminder job counts);
scheduling one marks that day in the due-work index (kind ``followup-reminders``).
"""

from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from tenants import current_tenant, db
from yk_saas import due
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import visible_companies_query
from yk_saas.errors import UserError
from yk_saas.feedback.forms import METHOD_LABELS
from yk_saas.feedback.models import FOLLOWUP_METHODS, FollowUp
from yk_saas.models_base import utcnow
from yk_saas.notifications.services import EventType, notify
from yk_saas.reports.registry import TodoEntry

DUE_KIND = "followup-reminders"
#: The accountant is reminded this many days before a follow-up.
REMIND_DAYS_BEFORE = 1

EVENT_TYPES = (EventType("followup_due", _l("Follow-up with %(company)s due on %(day)s")),)


class FollowUpError(UserError):
    """A problem the user can fix."""


def visible_followups_query(user: User):
    """Follow-ups of the companies ``user`` may see."""
    companies = visible_companies_query(user).with_only_columns(ClientCompany.id)
    return select(FollowUp).where(FollowUp.company_id.in_(companies))


def get_visible_followup(user: User, followup_id: int) -> FollowUp | None:
    """The follow-up if ``user`` may see its company, else None."""
    return db.session.scalar(visible_followups_query(user).where(FollowUp.id == followup_id))


def schedule_followup(
    company: ClientCompany, day: date, method: str, purpose: str | None, by: User
) -> FollowUp:
    """Plan a follow-up, with the company's dedicated accountant (or the planner)."""
    if method not in FOLLOWUP_METHODS:
        raise FollowUpError(_("Unknown kind of follow-up."))
    followup = FollowUp(
        company_id=company.id,
        scheduled_for=day,
        method=method,
        purpose=(purpose or "").strip() or None,
        created_by_id=by.id,
        accountant_id=company.dedicated_accountant_id or by.id,
    )
    db.session.add(followup)
    db.session.flush()
    due.mark_due(DUE_KIND, reminder_time(day))
    return followup


def reminder_time(day: date):
    """When the reminder of a follow-up on ``day`` is due: the start of the day before (UTC)."""
    return due.start_of_day(day - timedelta(days=REMIND_DAYS_BEFORE))


def next_reminder_due():
    """When the next reminder is due (None: no open follow-up waits for one)."""
    day = db.session.scalar(
        select(func.min(FollowUp.scheduled_for)).where(
            FollowUp.done_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.accountant_id.is_not(None),
        )
    )
    return None if day is None else reminder_time(day)


def log_followup(followup: FollowUp, outcome: str, satisfaction: int | None) -> None:
    """Record what came of it; satisfaction 1–5."""
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise FollowUpError(_("Satisfaction is from 1 to 5."))
    if not (outcome or "").strip():
        raise FollowUpError(_("Write down the outcome."))
    followup.outcome, followup.satisfaction = outcome.strip(), satisfaction
    followup.done_at = followup.done_at or utcnow()


def company_followups_query(company_id: int):
    """A company's follow-ups, latest planned first."""
    return (
        select(FollowUp)
        .where(FollowUp.company_id == company_id)
        .order_by(FollowUp.scheduled_for.desc(), FollowUp.id.desc())
    )


def upcoming_query(user: User):
    """Open follow-ups the user may see, soonest first (overdue ones on top)."""
    return (
        visible_followups_query(user)
        .where(FollowUp.done_at.is_(None))
        .order_by(FollowUp.scheduled_for, FollowUp.id)
    )


def done_query(user: User):
    """Logged follow-ups the user may see, most recent first."""
    return (
        visible_followups_query(user)
        .where(FollowUp.done_at.is_not(None))
        .order_by(FollowUp.done_at.desc(), FollowUp.id.desc())
    )


def remind_due_followups(today: date | None = None) -> int:
    """Tell each accountant about open follow-ups due by tomorrow, once per follow-up. Commits."""
    today = today or utcnow().date()
    due = db.session.scalars(
        select(FollowUp.id).where(
            FollowUp.done_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.scheduled_for <= today + timedelta(days=REMIND_DAYS_BEFORE),
            FollowUp.accountant_id.is_not(None),
        )
    ).all()
    sent = 0
    for followup_id in due:
        claimed = db.session.execute(
            update(FollowUp)
            .where(FollowUp.id == followup_id, FollowUp.reminded_at.is_(None))
            .values(reminded_at=utcnow())
        )
        if claimed.rowcount:
            followup = db.session.get(FollowUp, followup_id)
            company = db.session.get(ClientCompany, followup.company_id)
            notify(
                "followup_due",
                [followup.accountant_id],
                link=f"/desk/feedback/followups/company/{company.id}",
                company=company.name,
                day=followup.scheduled_for.isoformat(),
            )
            sent += 1
        db.session.commit()  # per follow-up: the claim's row lock is held only this long
    return sent


def my_followups(user: User, now) -> list:
    """``user``'s own follow-ups not yet done, for their to-do list: overdue or due today
    (by the firm's date); later ones are on the follow-ups page."""
    today = now.astimezone(current_tenant().zone).date()
    rows = db.session.execute(
        visible_followups_query(user)
        .add_columns(ClientCompany.name)
        .join(ClientCompany, ClientCompany.id == FollowUp.company_id)
        .where(
            FollowUp.accountant_id == user.id,
            FollowUp.done_at.is_(None),
            FollowUp.scheduled_for <= today,
        )
        .order_by(FollowUp.scheduled_for, FollowUp.id)
    ).all()
    return [
        TodoEntry(
            section="overdue" if followup.scheduled_for < today else "today",
            kind=_l("Follow-up"),
            title=followup.purpose or str(METHOD_LABELS.get(followup.method, followup.method)),
            link=url_for("feedback.company_followups", company_id=followup.company_id),
            company=company,
            due=followup.scheduled_for,
        )
        for followup, company in rows
    ]
