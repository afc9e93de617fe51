"""The firm's work settings and each staff member's duty and capacity."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import db
from yk_saas import due
from yk_saas.access import ACCOUNTANT
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.models_base import utcnow
from yk_saas.work.errors import WorkError
from yk_saas.work.models import (
    DEFAULT_REQUEST_TYPES,
    OPEN_STATES,
    POLICIES,
    StaffAvailability,
    WorkItem,
    WorkSettings,
)


def seed_work_settings(session, firm) -> None:
    """Every new firm starts with the seed's behaviour: escalate to an admin on timeout."""
    types = DEFAULT_REQUEST_TYPES.get(firm.locale, DEFAULT_REQUEST_TYPES["en"])
    session.add(WorkSettings(timeout_policy="escalate", request_types=list(types)))


def get_settings(lock: bool = False) -> WorkSettings:
    """The firm's settings row (created with defaults if a firm predates them)."""
    query = select(WorkSettings).order_by(WorkSettings.id).limit(1)
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        row = WorkSettings(
            timeout_policy="escalate", request_types=list(DEFAULT_REQUEST_TYPES["en"])
        )
        db.session.add(row)
        db.session.flush()
    return row


def timeout_for(settings: WorkSettings, urgency: str) -> timedelta:
    """How long an item of this urgency may wait in the pool."""
    minutes = {
        "urgent": settings.timeout_urgent_minutes,
        "normal": settings.timeout_normal_minutes,
        "low": settings.timeout_low_minutes,
    }.get(urgency, settings.timeout_normal_minutes)
    return timedelta(minutes=minutes)


def update_settings(values: dict) -> WorkSettings:
    """Save the firm's work settings (validated by the form) and audit the change."""
    settings = get_settings(lock=True)
    if values.get("timeout_policy") not in POLICIES:
        raise WorkError(_("Unknown timeout policy."))
    for key, value in values.items():
        setattr(settings, key, value)
    record_audit(
        "work_settings_changed",
        "work_settings",
        settings.id,
        **{k: v for k, v in values.items() if k != "request_types"},
    )
    db.session.flush()
    due.mark_due("claims", utcnow())  # a shorter "no progress" delay may make work due now
    return settings


def _availability(user_id: int) -> StaffAvailability | None:
    return db.session.scalar(select(StaffAvailability).where(StaffAvailability.user_id == user_id))


def is_on_duty(user_id: int) -> bool:
    """Whether the staff member takes new work (everyone is on duty until they say otherwise)."""
    row = _availability(user_id)
    return True if row is None else row.on_duty


def availability_of(user_ids) -> dict[int, tuple[bool, int]]:
    """(on duty, capacity) for each of these people, in one query."""
    default = get_settings().default_capacity
    rows = {
        row.user_id: row
        for row in db.session.scalars(
            select(StaffAvailability).where(StaffAvailability.user_id.in_(list(user_ids)))
        )
    }
    return {
        uid: (
            rows[uid].on_duty if uid in rows else True,
            rows[uid].capacity if uid in rows and rows[uid].capacity is not None else default,
        )
        for uid in user_ids
    }


def set_on_duty(user_id: int, on_duty: bool) -> None:
    """Switch a staff member on or off duty."""
    row = _availability(user_id)
    if row is None:
        row = StaffAvailability(user_id=user_id)
        db.session.add(row)
    row.on_duty = bool(on_duty)
    db.session.flush()


def capacity_of(user_id: int) -> int:
    """How many open items the person may hold: their own limit, else the firm default."""
    row = _availability(user_id)
    if row is not None and row.capacity is not None:
        return row.capacity
    return get_settings().default_capacity


def set_capacity(user_id: int, capacity: int | None) -> None:
    """Give a person their own limit (None = firm default)."""
    if capacity is not None and capacity < 0:
        raise WorkError(_("Capacity cannot be negative."))
    row = _availability(user_id)
    if row is None:
        row = StaffAvailability(user_id=user_id)
        db.session.add(row)
    row.capacity = capacity
    db.session.flush()


def open_count(user_id: int) -> int:
    """Items the person holds that are not finished."""
    return db.session.scalar(
        select(func.count(WorkItem.id)).where(
            WorkItem.assignee_id == user_id, WorkItem.state.in_(OPEN_STATES)
        )
    )


def staff_load(settings: WorkSettings | None = None) -> list[dict]:
    """Every active accountant with duty, capacity and open items, in one query."""
    settings = settings or get_settings()
    load = (
        select(WorkItem.assignee_id, func.count(WorkItem.id).label("n"))
        .where(WorkItem.state.in_(OPEN_STATES))
        .group_by(WorkItem.assignee_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, StaffAvailability, func.coalesce(load.c.n, 0))
        .outerjoin(StaffAvailability, StaffAvailability.user_id == User.id)
        .outerjoin(load, load.c.assignee_id == User.id)
        .where(User.role == ACCOUNTANT, User.is_active.is_(True))
        .order_by(User.id)
    ).all()
    return [
        {
            "user": user,
            "on_duty": avail.on_duty if avail else True,
            "capacity": avail.capacity
            if avail and avail.capacity is not None
            else settings.default_capacity,
            "own_capacity": avail.capacity if avail else None,
            "open": n,
        }
        for user, avail, n in rows
    ]


def eligible_staff(settings: WorkSettings | None = None) -> list[dict]:
    """Accountants who are on duty and below their capacity, least loaded first."""
    return sorted(
        (s for s in staff_load(settings) if s["on_duty"] and s["open"] < s["capacity"]),
        key=lambda s: (s["open"], s["user"].id),
    )
