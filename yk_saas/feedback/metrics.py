"""Figures of feedback for staff performance and client value (registered in the report registry).

A complaint counts against the accountant it names, or else the company's
dedicated accountant.
"""

from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants import db
from yk_saas.clients.models import ClientCompany
from yk_saas.feedback.models import Complaint, FollowUp, SurveyResponse
from yk_saas.ledgers.models import LedgerPeriod
from yk_saas.models_base import utcnow
from yk_saas.reports.registry import Metric

STAFF = {
    "complaints": Metric("complaints", _l("Complaints"), "count", 50),
    "followups_done": Metric("followups_done", _l("Follow-ups done"), "count", 60),
    "followup_satisfaction": Metric(
        "followup_satisfaction", _l("Follow-up satisfaction (1–5)"), "score", 61
    ),
    "survey_answers": Metric("survey_answers", _l("Survey answers"), "count", 70),
    "survey_score": Metric("survey_score", _l("Survey score (0–10)"), "score", 71),
    "survey_nps": Metric("survey_nps", _l("NPS"), "score", 72),
}
CLIENT = {
    "complaints": Metric("complaints", _l("Complaints"), "count", 50),
    "days_since_followup": Metric(
        "days_since_followup", _l("Days since last follow-up"), "count", 60
    ),
    "followup_satisfaction": Metric(
        "followup_satisfaction", _l("Follow-up satisfaction (1–5)"), "score", 61
    ),
    "survey_score": Metric("survey_score", _l("Survey score (0–10)"), "score", 70),
    "months_without_books": Metric("months_without_books", _l("Months without books"), "count", 80),
}


def average(total, count) -> Decimal | None:
    """An average to one decimal, exactly (no binary floats)."""
    if not count:
        return None
    return (Decimal(int(total)) / Decimal(int(count))).quantize(Decimal("0.1"))


def nps_of(promoters: int, detractors: int, answers: int) -> int | None:
    return round((promoters - detractors) * 100 / answers) if answers else None


def complaint_owner():
    return func.coalesce(Complaint.about_accountant_id, ClientCompany.dedicated_accountant_id)


def staff_feedback(start: datetime, end: datetime) -> dict[int, dict[str, object]]:
    """Complaints, follow-ups and survey results per member of staff in [start, end)."""
    result: dict[int, dict[str, object]] = {}
    owner = complaint_owner()
    for user_id, n in db.session.execute(
        select(owner, func.count(Complaint.id))
        .join(ClientCompany, ClientCompany.id == Complaint.company_id)
        .where(Complaint.created_at >= start, Complaint.created_at < end, owner.is_not(None))
        .group_by(owner)
    ):
        result.setdefault(user_id, {})["complaints"] = n
    for user_id, n, total, rated in db.session.execute(
        select(
            FollowUp.accountant_id,
            func.count(FollowUp.id),
            func.coalesce(func.sum(FollowUp.satisfaction), 0),
            func.count(FollowUp.satisfaction),
        )
        .where(
            FollowUp.done_at >= start, FollowUp.done_at < end, FollowUp.accountant_id.is_not(None)
        )
        .group_by(FollowUp.accountant_id)
    ):
        result.setdefault(user_id, {}).update(
            followups_done=n, followup_satisfaction=average(total, rated)
        )
    for user_id, n, total, promoters, detractors in db.session.execute(
        survey_totals(SurveyResponse.accountant_id, start, end).where(
            SurveyResponse.accountant_id.is_not(None)
        )
    ):
        result.setdefault(user_id, {}).update(
            survey_answers=n,
            survey_score=average(total, n),
            survey_nps=nps_of(promoters, detractors, n),
        )
    return result


def survey_totals(key, start, end):
    score = SurveyResponse.score
    return (
        select(
            key,
            func.count(SurveyResponse.id),
            func.sum(score),
            func.count().filter(score >= 9),
            func.count().filter(score <= 6),
        )
        .where(
            SurveyResponse.answered_at >= start,
            SurveyResponse.answered_at < end,
            score.is_not(None),
        )
        .group_by(key)
    )


def client_feedback(start: datetime, end: datetime) -> dict[int, dict[str, object]]:
    """Churn signals per company: complaints, follow-up recency and mood, survey, missing books."""
    result: dict[int, dict[str, object]] = {}
    for company_id, n in db.session.execute(
        select(Complaint.company_id, func.count(Complaint.id))
        .where(Complaint.created_at >= start, Complaint.created_at < end)
        .group_by(Complaint.company_id)
    ):
        result.setdefault(company_id, {})["complaints"] = n
    for company_id, total, rated in db.session.execute(
        select(
            FollowUp.company_id,
            func.coalesce(func.sum(FollowUp.satisfaction), 0),
            func.count(FollowUp.satisfaction),
        )
        .where(FollowUp.done_at >= start, FollowUp.done_at < end)
        .group_by(FollowUp.company_id)
    ):
        result.setdefault(company_id, {})["followup_satisfaction"] = average(total, rated)
    for company_id, n, total, _p, _d in db.session.execute(
        survey_totals(SurveyResponse.company_id, start, end)
    ):
        result.setdefault(company_id, {})["survey_score"] = average(total, n)
    add_recency(result, min(end, utcnow()))
    return result


def add_recency(result: dict, now: datetime) -> None:
    """Days since the last follow-up and months since the last delivered books, per active company."""
    companies = select(ClientCompany.id).where(ClientCompany.status == "active")
    last_followup = dict(
        db.session.execute(
            select(FollowUp.company_id, func.max(FollowUp.done_at))
            .where(FollowUp.done_at < now)
            .group_by(FollowUp.company_id)
        ).all()
    )
    last_books = dict(
        db.session.execute(
            select(LedgerPeriod.company_id, func.max(LedgerPeriod.period))
            .where(LedgerPeriod.delivered_at.is_not(None))
            .group_by(LedgerPeriod.company_id)
        ).all()
    )
    month_now = now.year * 12 + now.month - 1
    for company_id, created in db.session.execute(companies.add_columns(ClientCompany.created_at)):
        values = result.setdefault(company_id, {})
        if company_id in last_followup:
            values["days_since_followup"] = (now - last_followup[company_id]).days
        since = last_books.get(company_id)
        start = (
            int(since[:4]) * 12 + int(since[5:]) - 1
            if since
            else created.year * 12 + created.month - 2
        )
        values["months_without_books"] = max(0, month_now - start - 1)
