"""One place that records an event and fans it out: in-app now, e-mail through a job.

Features register their events with a title (a lazy string with
``%(param)s`` placeholders), then call ``notify(event, user_ids, link, **params)``.
The title is rendered in each reader's language when shown or mailed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import func, select, update

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.mail.models import OutboxEmail
from yk_saas.models_base import utcnow
from yk_saas.notifications.models import Notification


@dataclass(frozen=True)
class EventType:
    name: str
    title: object  # lazy_gettext string with %(param)s placeholders
    email: bool = True


EVENTS: dict[str, EventType] = {}


def register_event(name: str, title, email: bool = True) -> EventType:
    """Declare an event type (once, at import time of the feature that raises it)."""
    EVENTS[name] = EventType(name, title, email)
    return EVENTS[name]


def render_title(event: str, params: dict) -> str:
    event_type = EVENTS.get(event)
    if event_type is None:
        return event
    try:
        return str(event_type.title) % params
    except (KeyError, TypeError, ValueError):
        return str(event_type.title)


def channel_enabled(user: User, event: str, channel: str) -> bool:
    """Whether ``user`` wants ``event`` on ``channel`` (per-user preferences plug in here)."""
    return channel != "email" or EVENTS.get(event, EventType(event, event)).email


def notify(event: str, user_ids: Iterable[int], link: str | None = None, **params) -> list[int]:
    """Record ``event`` for each user and queue its e-mails; the caller commits."""
    from yk_saas.jobs import enqueue_after_commit
    from yk_saas.notifications.jobs import send_notification_email

    ids = sorted(set(user_ids))
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))).all()
    created = []
    for user in users:
        note = Notification(user_id=user.id, event=event, params=params, link=link)
        db.session.add(note)
        db.session.flush()
        created.append(note.id)
        if channel_enabled(user, event, "email"):
            enqueue_after_commit("high", send_notification_email, current_tenant().slug, note.id)
    return created


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def recent_notifications(user_id: int, limit: int = 50):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.id.desc()).limit(limit)
    ).all()


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    count = db.session.execute(query.values(read_at=utcnow())).rowcount
    db.session.commit()
    return count


def email_notification(notification_id: int) -> int | None:
    """Put one notification's e-mail in the outbox once, in the reader's language.

    Returns the new message's id, or None if there is nothing (more) to send.
    """
    from yk_saas.mail.services import queue_email
    from yk_saas.urls import firm_base_url

    # The row lock makes a second run of the same job wait, then find the e-mail.
    note = db.session.scalar(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    )
    kind = f"notification:{notification_id}"
    if note is None or db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.kind == kind)):
        return None
    user = db.session.get(User, note.user_id)
    locale = user.locale or current_tenant().locale
    with force_locale(locale):
        title = render_title(note.event, note.params)
        link = (firm_base_url() + note.link) if note.link and note.link.startswith("/") else note.link
        email = queue_email(user.email, kind, "notification",
                            title=title, user=user, link=link)
    return email.id
