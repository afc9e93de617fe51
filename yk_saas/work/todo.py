"""An accountant's own work items on their to-do list: overdue, due today, open, waiting."""

from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tenants import current_tenant, db
from yk_saas.reports.registry import TodoEntry
from yk_saas.work.labels import KIND_LABELS
from yk_saas.work.models import OPEN_STATES, WorkItem
from yk_saas.work.settings import get_settings


def my_work(user, now: datetime) -> list[TodoEntry]:
    """The open items assigned to ``user``.

    An item in hand owes a progress note every ``stale_after_hours`` (the firm's work setting):
    past that it is overdue (the reminder and then the escalation follow), due today when that
    time falls on today's date in the firm's time zone. Items waiting on the client owe nothing.
    """
    every = timedelta(hours=get_settings().stale_after_hours)
    zone, today = current_tenant().zone, now.astimezone(current_tenant().zone).date()
    entries = []
    for item in db.session.scalars(
        select(WorkItem)
        .options(joinedload(WorkItem.company))
        .where(WorkItem.assignee_id == user.id, WorkItem.state.in_(OPEN_STATES))
        .order_by(WorkItem.created_at, WorkItem.id)
    ):
        progress_due = (item.last_progress_at or item.claimed_at or item.created_at) + every
        if item.state == "waiting_on_client":
            section, due = "waiting", item.last_progress_at or item.claimed_at
        elif progress_due <= now or item.stale_escalated_at is not None:
            section, due = "overdue", progress_due
        elif progress_due.astimezone(zone).date() == today:
            section, due = "today", progress_due
        else:
            section, due = "open", progress_due
        entries.append(
            TodoEntry(
                section=section,
                kind=KIND_LABELS.get(item.kind, item.kind),
                title=f"#{item.id} {item.title}",
                link=url_for("work.detail", item_id=item.id),
                company=item.company.name,
                urgency=item.urgency,
                due=due,
            )
        )
    return entries
