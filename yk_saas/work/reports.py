"""Work figures for staff performance, client reports and the dashboard cards."""

from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from tenants import db
from yk_saas.models_base import utcnow
from yk_saas.reports.registry import DashboardCard, Metric
from yk_saas.work.models import STATES, Rating, WorkItem

STAFF = (
    Metric("work_claimed", _l("Items taken on"), "count", 10),
    Metric("work_completed", _l("Items completed"), "count", 11),
    Metric("work_median_claim_seconds", _l("Median time to claim"), "seconds", 12),
    Metric("work_median_finish_seconds", _l("Median time to finish"), "seconds", 13),
    Metric("rating_good", _l("Good ratings"), "count", 20),
    Metric("rating_neutral", _l("Neutral ratings"), "count", 21),
    Metric("rating_bad", _l("Bad ratings"), "count", 22),
    Metric("rating_attitude", _l("Attitude (average)"), "score", 23),
    Metric("rating_speed", _l("Speed (average)"), "score", 24),
    Metric("rating_quality", _l("Quality (average)"), "score", 25),
)
CLIENT = (
    Metric("work_items", _l("Orders and requests"), "count", 10),
    Metric("work_since_last_activity", _l("Time since the last order or request"), "seconds", 11),
    Metric("work_bad_ratings", _l("Bad ratings given"), "count", 12),
)


def seconds(delta) -> int:
    return int(delta.total_seconds())


def staff_work_figures(start, end) -> dict[int, dict[str, object]]:
    """Per accountant: items claimed and finished in [start, end), medians and ratings."""
    figures: dict[int, dict[str, object]] = {}
    claimed = db.session.execute(
        select(WorkItem.assignee_id, WorkItem.created_at, WorkItem.claimed_at).where(
            WorkItem.claimed_at >= start,
            WorkItem.claimed_at < end,
            WorkItem.assignee_id.isnot(None),
        )
    ).all()
    for user_id, created, taken in claimed:
        row = figures.setdefault(user_id, {"work_claimed": 0, "_claim": []})
        row["work_claimed"] += 1
        row["_claim"].append(seconds(taken - created))
    done = db.session.execute(
        select(WorkItem.assignee_id, WorkItem.claimed_at, WorkItem.completed_at).where(
            WorkItem.completed_at >= start,
            WorkItem.completed_at < end,
            WorkItem.assignee_id.isnot(None),
        )
    ).all()
    for user_id, taken, finished in done:
        row = figures.setdefault(user_id, {})
        row["work_completed"] = row.get("work_completed", 0) + 1
        row.setdefault("_finish", []).append(seconds(finished - (taken or finished)))
    for row in figures.values():
        row["work_median_claim_seconds"] = (
            int(median(row.pop("_claim"))) if row.get("_claim") else None
        )
        row["work_median_finish_seconds"] = (
            int(median(row.pop("_finish"))) if row.get("_finish") else None
        )
    add_rating_figures(figures, start, end)
    return figures


def add_rating_figures(figures, start, end) -> None:
    rows = db.session.execute(
        select(
            WorkItem.assignee_id,
            Rating.overall,
            func.count(Rating.id),
            func.avg(Rating.attitude),
            func.avg(Rating.speed),
            func.avg(Rating.quality),
        )
        .join(WorkItem, WorkItem.id == Rating.work_item_id)
        .where(
            Rating.created_at >= start, Rating.created_at < end, WorkItem.assignee_id.isnot(None)
        )
        .group_by(WorkItem.assignee_id, Rating.overall)
    ).all()
    totals: dict[int, list] = {}
    for user_id, overall, count, attitude, speed, quality in rows:
        figures.setdefault(user_id, {})[f"rating_{overall}"] = count
        acc = totals.setdefault(user_id, [0, 0, 0, 0])
        for i, value in enumerate((attitude, speed, quality)):
            acc[i] += value * count
        acc[3] += count
    for user_id, (attitude, speed, quality, count) in totals.items():
        figures[user_id].update(
            {
                "rating_attitude": round(float(attitude / count), 1),
                "rating_speed": round(float(speed / count), 1),
                "rating_quality": round(float(quality / count), 1),
            }
        )


def client_work_figures(start, end, now=None) -> dict[int, dict[str, object]]:
    """Per client company: items filed in the period, time since its latest one, bad ratings.

    The time since the latest order is counted up to now (or the period's end when the period
    is over), and looks back before the period: a client who ordered minutes ago shows minutes,
    and one who last ordered three months ago shows three months in this month's report.
    """
    now = min(end, now or utcnow())
    figures: dict[int, dict[str, object]] = {}
    for company_id, count in db.session.execute(
        select(WorkItem.client_company_id, func.count(WorkItem.id))
        .where(WorkItem.created_at >= start, WorkItem.created_at < end)
        .group_by(WorkItem.client_company_id)
    ).all():
        figures[company_id] = {"work_items": count}
    for company_id, last in db.session.execute(
        select(WorkItem.client_company_id, func.max(WorkItem.created_at))
        .where(WorkItem.created_at <= now)
        .group_by(WorkItem.client_company_id)
    ).all():
        figures.setdefault(company_id, {})["work_since_last_activity"] = seconds(now - last)
    for company_id, bad in db.session.execute(
        select(WorkItem.client_company_id, func.count(Rating.id))
        .join(WorkItem, WorkItem.id == Rating.work_item_id)
        .where(Rating.overall == "bad", Rating.created_at >= start, Rating.created_at < end)
        .group_by(WorkItem.client_company_id)
    ).all():
        figures.setdefault(company_id, {})["work_bad_ratings"] = bad
    return figures


CARDS = (
    DashboardCard("work_states", _l("Items by state"), "work.card_states", 10),
    DashboardCard("work_claim_time", _l("Time to claim"), "work.card_claim_time", 11),
)


def items_by_state() -> dict[str, int]:
    counts = dict(
        db.session.execute(
            select(WorkItem.state, func.count(WorkItem.id)).group_by(WorkItem.state)
        ).all()
    )
    return {state: counts.get(state, 0) for state in STATES}


def claim_time_summary(start, end) -> dict[str, int | None]:
    """Median and slowest time from filing to claim for items claimed in the period."""
    rows = db.session.scalars(
        select(WorkItem.claimed_at - WorkItem.created_at).where(
            WorkItem.claimed_at >= start, WorkItem.claimed_at < end
        )
    ).all()
    values = sorted(seconds(r) for r in rows)
    return {
        "count": len(values),
        "median": int(median(values)) if values else None,
        "slowest": values[-1] if values else None,
    }
