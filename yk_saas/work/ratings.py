"""The client's rating of finished work: once per item, editable for a week."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from tenants import db
from yk_saas.access import CLIENT
from yk_saas.models_base import utcnow
from yk_saas.work import events
from yk_saas.work.errors import WorkError
from yk_saas.work.models import OVERALL, Rating, WorkItem

EDIT_WINDOW = timedelta(days=7)


def rating_of(item_id: int) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.work_item_id == item_id))


def can_edit(rating: Rating | None, now=None) -> bool:
    """A rating is open to change for seven days after it was first given."""
    return rating is None or (now or utcnow()) - rating.created_at <= EDIT_WINDOW


def check_scores(overall: str, scores: dict) -> None:
    if overall not in OVERALL:
        raise WorkError(_("Choose good, neutral or bad."))
    for value in scores.values():
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise WorkError(_("Scores go from 1 to 5."))


def rate_item(
    item: WorkItem,
    user,
    overall: str,
    attitude: int,
    speed: int,
    quality: int,
    comment: str = "",
    now=None,
) -> Rating:
    """Record (or, within seven days, change) the client's rating of a finished item."""
    now = now or utcnow()
    if user.role != CLIENT or item.client_company_id != user.client_company_id:
        raise WorkError(_("Only the client can rate this work."))
    if item.state != "done":
        raise WorkError(_("Work can be rated once it is done."))
    scores = {"attitude": attitude, "speed": speed, "quality": quality}
    check_scores(overall, scores)
    rating = db.session.scalar(
        select(Rating).where(Rating.work_item_id == item.id).with_for_update()
    )
    first = rating is None
    if first:
        rating = Rating(work_item_id=item.id, created_at=now)
        db.session.add(rating)
    elif not can_edit(rating, now):
        raise WorkError(_("A rating can be changed for seven days only."))
    else:
        rating.updated_at = now
    rating.rated_by_id, rating.overall, rating.comment = user.id, overall, (comment or "").strip()
    for key, value in scores.items():
        setattr(rating, key, value)
    db.session.flush()
    if first:
        recipients = events.manager_ids() + ([item.assignee_id] if item.assignee_id else [])
        events.notify_staff("work_rated", recipients, item)
    return rating
