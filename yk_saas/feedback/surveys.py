"""Satisfaction surveys (F3): a quarterly NPS question and a comment, sent by the worker.

The due-work index (kind ``surveys``) holds the start of the next quarter for a firm
with client users; a client user who can be asked (new, enabled, or of a company
active again) marks the firm due now.
"""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants import db
from yk_saas import due
from yk_saas.accounts.models import User
from yk_saas.clients.models import ClientCompany
from yk_saas.errors import UserError
from yk_saas.feedback.models import SurveyResponse
from yk_saas.models_base import utcnow
from yk_saas.notifications.services import EventType, notify

DUE_KIND = "surveys"

EVENT_TYPES = (EventType("survey_sent", _l("How are we doing? Tell us in one question")),)


class SurveyError(UserError):
    """A problem the user can fix."""


def survey_round(day: date | None = None) -> str:
    """The quarter a survey belongs to, e.g. ``"2026-Q4"``."""
    day = day or utcnow().date()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def next_round_start(day: date | None = None) -> date:
    """The first day of the quarter after ``day``'s."""
    day = day or utcnow().date()
    month = (day.month - 1) // 3 * 3 + 4
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def askable_clients_query():
    """Active client users of active companies (who a round's survey goes to)."""
    return (
        select(User.id, User.client_company_id, ClientCompany.dedicated_accountant_id)
        .join(ClientCompany, ClientCompany.id == User.client_company_id)
        .where(
            User.role == "client",
            User.is_active.is_(True),
            ClientCompany.status == "active",
        )
    )


def send_surveys(round_name: str | None = None) -> int:
    """Create this round's survey for every active client user who has none yet.

    The unique (user, round) pair makes a re-run send nothing twice.
    """
    round_name = round_name or survey_round()
    asked = select(SurveyResponse.user_id).where(SurveyResponse.round == round_name)
    rows = db.session.execute(askable_clients_query().where(User.id.not_in(asked))).all()
    for user_id, company_id, accountant_id in rows:
        survey = SurveyResponse(
            round=round_name, company_id=company_id, user_id=user_id, accountant_id=accountant_id
        )
        db.session.add(survey)
        db.session.flush()
        notify("survey_sent", [user_id], link=f"/portal/feedback/surveys/{survey.id}")
    return len(rows)


def next_survey_due() -> datetime | None:
    """When the firm next has surveys to send: now if someone was not asked this round, the
    next quarter (spread by firm) if it has client users to ask, else None."""
    asked = select(SurveyResponse.user_id).where(SurveyResponse.round == survey_round())
    unasked = askable_clients_query().where(User.id.not_in(asked)).limit(1)
    if db.session.execute(unasked).first() is not None:
        return utcnow()
    if db.session.execute(askable_clients_query().limit(1)).first() is None:
        return None
    return due.spread(due.start_of_day(next_round_start()))


def someone_to_ask(sender, role: str | None = None, status: str | None = None, **kwargs) -> None:
    """A client user may now be asked (an account or its company active): look now."""
    if role == "client" or status == "active":
        due.mark_due_now(DUE_KIND)


def get_visible_survey(user: User, survey_id: int) -> SurveyResponse | None:
    """The survey if it was sent to ``user`` (each person sees only their own), else None."""
    return db.session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.id == survey_id, SurveyResponse.user_id == user.id
        )
    )


def open_surveys(user: User):
    return db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.user_id == user.id, SurveyResponse.answered_at.is_(None)
        )
    ).all()


def answer_survey(survey: SurveyResponse, score: int, comment: str | None) -> None:
    """Record the client's score (0–10) and comment."""
    if not 0 <= score <= 10:
        raise SurveyError(_("Choose a score from 0 to 10."))
    survey.score, survey.comment = score, (comment or "").strip() or None
    survey.answered_at = utcnow()


def nps(scores: list[int]) -> int | None:
    """Net promoter score: % of 9–10 minus % of 0–6, rounded to a whole number."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round((promoters - detractors) * 100 / len(scores))


def results_by_accountant(round_name: str | None = None, accountant_id: int | None = None):
    """[(accountant_id, answers, average×10, nps)] for answered surveys (optionally one round)."""
    query = select(SurveyResponse.accountant_id, SurveyResponse.score).where(
        SurveyResponse.score.is_not(None)
    )
    if round_name:
        query = query.where(SurveyResponse.round == round_name)
    if accountant_id:
        query = query.where(SurveyResponse.accountant_id == accountant_id)
    grouped: dict[int | None, list[int]] = {}
    for acc, score in db.session.execute(query):
        grouped.setdefault(acc, []).append(score)
    return [(acc, len(s), round(sum(s) * 10 / len(s)), nps(s)) for acc, s in grouped.items()]


def rounds() -> list[str]:
    return list(
        db.session.scalars(
            select(SurveyResponse.round)
            .group_by(SurveyResponse.round)
            .order_by(SurveyResponse.round.desc())
        )
    )


def answered_count(round_name: str) -> tuple[int, int]:
    """(answered, sent) in a round."""
    row = db.session.execute(
        select(func.count(SurveyResponse.answered_at), func.count(SurveyResponse.id)).where(
            SurveyResponse.round == round_name
        )
    ).one()
    return row[0], row[1]


def recent_comments(accountant_id: int | None = None, limit: int = 30):
    query = select(SurveyResponse).where(SurveyResponse.answered_at.is_not(None))
    if accountant_id:
        query = query.where(SurveyResponse.accountant_id == accountant_id)
    return db.session.scalars(query.order_by(SurveyResponse.answered_at.desc()).limit(limit)).all()
