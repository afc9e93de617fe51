"""Figures of the dashboard cards this package owns: clients won and lost, churn risk, complaints."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants import db
from yk_saas.clients.models import ClientCompany, ClientTag
from yk_saas.dashboards.periods import ReportPeriod, last_months
from yk_saas.feedback.models import Complaint
from yk_saas.models_base import utcnow
from yk_saas.reports.registry import CLIENT_METRICS, CLIENT_PROVIDERS, DashboardCard, collect

CARDS = (
    DashboardCard(
        "clients_new_lost", _l("New and lost clients"), "dashboards_admin.card_new_lost", 30
    ),
    DashboardCard(
        "client_risk", _l("Client value / churn risk"), "dashboards_admin.card_client_risk", 60
    ),
    DashboardCard("complaints", _l("Complaints"), "dashboards_admin.card_complaints", 70),
)


def new_and_lost(months: int = 12) -> list[dict]:
    """Per month (oldest first): clients added and clients lost."""
    periods = last_months(months)
    start, end = periods[0].start, periods[-1].end
    added = db.session.scalars(
        select(ClientCompany.created_at).where(
            ClientCompany.created_at >= start, ClientCompany.created_at < end
        )
    ).all()
    lost = db.session.scalars(
        select(ClientCompany.lost_at).where(
            ClientCompany.lost_at >= start, ClientCompany.lost_at < end
        )
    ).all()
    return [
        {
            "month": p.key,
            "new": sum(1 for t in added if p.start <= t < p.end),
            "lost": sum(1 for t in lost if p.start <= t < p.end),
        }
        for p in periods
    ]


def active_count() -> int:
    return db.session.scalar(
        select(func.count(ClientCompany.id)).where(ClientCompany.status == "active")
    )


#: Churn signals this feature knows: metric key → (threshold, points). A value at or past the
#: threshold adds the points ("low" signals count when the value is at or below it).
RISK_SIGNALS = {
    "complaints": ("high", 1, 3),
    "survey_score": ("low", 6, 3),
    "followup_satisfaction": ("low", 2, 2),
    "months_without_books": ("high", 2, 2),
    "days_since_followup": ("high", 180, 1),
}


def risk_score(values: dict) -> int:
    score = 0
    for key, (direction, threshold, points) in RISK_SIGNALS.items():
        value = values.get(key)
        if value is None:
            continue
        if (direction == "high" and value >= threshold) or (
            direction == "low" and value <= threshold
        ):
            score += points
    return score


def risk_level(score: int) -> str:
    return "high" if score >= 5 else "medium" if score >= 2 else "low"


@dataclass
class ClientValueRow:
    company: ClientCompany
    values: dict
    risk: int

    @property
    def level(self) -> str:
        return risk_level(self.risk)


def client_value(period: ReportPeriod, limit: int | None = 20) -> tuple[list, list[ClientValueRow]]:
    """(metrics, rows) of active clients with every registered client metric, riskiest first.

    Ties are broken by the first money metric (revenue when the money feature is installed).
    """
    metrics = sorted(CLIENT_METRICS.values(), key=lambda m: (m.order, m.key))
    money = next((m.key for m in metrics if m.kind == "money"), None)
    figures = collect(CLIENT_PROVIDERS, period.start, period.end)
    companies = db.session.scalars(
        select(ClientCompany).where(ClientCompany.status == "active")
    ).all()
    rows = [
        ClientValueRow(c, figures.get(c.id, {}), risk_score(figures.get(c.id, {})))
        for c in companies
    ]
    rows.sort(key=lambda r: (-r.risk, -(r.values.get(money) or 0) if money else 0, r.company.name))
    return metrics, rows[:limit] if limit else rows


SEGMENTS = ("industry", "size", "tax_type", "tag")


def segments(rows: list[ClientValueRow], metrics, by: str) -> list[dict]:
    """Clients grouped by a segment with the sum of count/money metrics and the average risk."""
    tags: dict[int, list[str]] = {}
    if by == "tag":
        for company_id, tag in db.session.execute(select(ClientTag.company_id, ClientTag.tag)):
            tags.setdefault(company_id, []).append(tag)
    groups: dict[str, list[ClientValueRow]] = {}
    for row in rows:
        keys = tags.get(row.company.id) or [""] if by == "tag" else [getattr(row.company, by) or ""]
        for key in keys:
            groups.setdefault(key, []).append(row)
    summed = [m for m in metrics if m.kind in ("count", "money")]
    return sorted(
        (
            {
                "segment": key,
                "clients": len(group),
                "risk": sum(r.risk for r in group) * 10 // len(group),
                "sums": {m.key: sum(int(r.values.get(m.key) or 0) for r in group) for m in summed},
            }
            for key, group in groups.items()
        ),
        key=lambda g: -g["clients"],
    )


def complaint_summary(now=None) -> dict:
    """Open complaints by state, the ones waiting over three days, this month's, and how closings went."""
    now = now or utcnow()
    by_state = dict(
        db.session.execute(
            select(Complaint.state, func.count(Complaint.id)).group_by(Complaint.state)
        ).all()
    )
    stale = db.session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.state.in_(("new", "investigating")),
            Complaint.created_at < now - timedelta(days=3),
        )
    )
    month = last_months(1)[0]
    this_month = db.session.scalar(
        select(func.count(Complaint.id)).where(
            Complaint.created_at >= month.start, Complaint.created_at < month.end
        )
    )
    resolve_seconds = db.session.scalar(
        select(
            func.percentile_cont(0.5).within_group(
                func.extract("epoch", Complaint.resolved_at - Complaint.created_at)
            )
        ).where(Complaint.resolved_at.is_not(None))
    )
    answered = dict(
        db.session.execute(
            select(Complaint.client_satisfied, func.count(Complaint.id))
            .where(Complaint.client_satisfied.is_not(None))
            .group_by(Complaint.client_satisfied)
        ).all()
    )
    total_answers = sum(answered.values())
    return {
        "by_state": by_state,
        "stale": stale,
        "this_month": this_month,
        "median_resolve_seconds": int(resolve_seconds) if resolve_seconds is not None else None,
        "solved_percent": answered.get(True, 0) * 100 // total_answers if total_answers else None,
    }
