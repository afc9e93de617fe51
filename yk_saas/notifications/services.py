"""One place that records an event and fans it out: in-app now, other channels through jobs.

Features register their events (``register_events`` in their ``init_app``) with a title (a lazy string with
``%(param)s`` placeholders), then call ``notify(event, user_ids, link, **params)``.
The title is rendered in each reader's language when shown or mailed.

Channels: the in-app centre always gets the record (so a failing channel never
loses it); e-mail, SMS and WeChat follow each user's preferences, the last two
through the firm's webhook gateway (see ``webhook.py``).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from rq import Retry
from sqlalchemy import func, select, update

from tenants import current_tenant, db
from yk_saas.accounts.models import User
from yk_saas.bulk import insert_rows
from yk_saas.jobs import enqueue_after_commit
from yk_saas.mail.models import OutboxEmail
from yk_saas.mail.services import MAX_ATTEMPTS, queue_email
from yk_saas.models_base import utcnow
from yk_saas.notifications.models import Notification, NotificationPreference, NotificationWebhook
from yk_saas.notifications.webhook import WebhookError, post_signed
from yk_saas.outbound import OutboundRefused
from yk_saas.urls import firm_base_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventType:
    name: str
    title: object  # lazy_gettext string with %(param)s placeholders
    email: bool = True
    #: param name → {stored key: lazy label}: params kept as keys, worded in the reader's language
    labels: dict | None = None


EVENTS: dict[str, EventType] = {}


def register_events(*event_types: EventType) -> None:
    """Declare the event types a feature raises (from the feature's ``init_app``)."""
    for event_type in event_types:
        EVENTS[event_type.name] = event_type


def render_title(event: str, params: dict) -> str:
    event_type = EVENTS.get(event)
    if event_type is None:
        return event
    worded = {
        **params,
        **{
            name: str(labels.get(params.get(name), params.get(name)))
            for name, labels in (event_type.labels or {}).items()
        },
    }
    try:
        return str(event_type.title) % worded
    except (KeyError, TypeError, ValueError):
        return str(event_type.title)


CHANNELS = ("email", "sms", "wechat")
WEBHOOK_CHANNELS = ("sms", "wechat")


def default_enabled(event: str, channel: str) -> bool:
    """E-mail is on for events that declare it; SMS and WeChat are opt-in."""
    return channel == "email" and EVENTS.get(event, EventType(event, event)).email


def channel_enabled(user: User, event: str, channel: str) -> bool:
    """Whether ``user`` wants ``event`` on ``channel``: their saved choice, else the default."""
    saved = db.session.scalar(
        select(NotificationPreference.enabled).where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.event == event,
            NotificationPreference.channel == channel,
        )
    )
    return default_enabled(event, channel) if saved is None else saved


def preference_grid(user_id: int) -> dict[tuple[str, str], bool]:
    """(event, channel) → on/off for every registered event, defaults filled in."""
    saved = {
        (p.event, p.channel): p.enabled
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    return {(e, c): saved.get((e, c), default_enabled(e, c)) for e in EVENTS for c in CHANNELS}


def save_preferences(user_id: int, chosen: set[tuple[str, str]]) -> None:
    """Store the user's choices for every registered event and channel (the caller commits)."""
    existing = {
        (p.event, p.channel): p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    for event in EVENTS:
        for channel in CHANNELS:
            enabled = (event, channel) in chosen
            row = existing.get((event, channel))
            if row is None:
                db.session.add(
                    NotificationPreference(
                        user_id=user_id, event=event, channel=channel, enabled=enabled
                    )
                )
            else:
                row.enabled = enabled


def active_webhook() -> NotificationWebhook | None:
    return db.session.scalar(
        select(NotificationWebhook)
        .where(NotificationWebhook.enabled.is_(True))
        .order_by(NotificationWebhook.id.desc())
        .limit(1)
    )


# The jobs by dotted path: ``jobs.py`` builds on this module, so it is not imported here.
EMAIL_JOB = "yk_saas.notifications.jobs.send_notification_email"
EMAILS_JOB = "yk_saas.notifications.jobs.send_notification_emails"
#: Notification e-mails per job when many notices are recorded at once (``notify_many``).
EMAIL_BATCH = 25
WEBHOOK_JOB = "yk_saas.notifications.jobs.send_notification_webhook"
#: Backoff of the notification e-mail job when SMTP fails (the message stays stored).
EMAIL_RETRY = Retry(max=MAX_ATTEMPTS - 1, interval=[10, 60, 300, 900])


def notify(event: str, user_ids: Iterable[int], link: str | None = None, **params) -> list[int]:
    """Record ``event`` for each user and queue its e-mails; the caller commits."""
    ids = sorted(set(user_ids))
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))).all()
    fan_out = ChannelFanOut()
    created = []
    for user in users:
        note = Notification(user_id=user.id, event=event, params=params, link=link)
        db.session.add(note)
        db.session.flush()
        created.append(note.id)
        fan_out.send(user, event, note.id)
    return created


def notify_many(event: str, notices: list[tuple[Iterable[int], str | None, dict]]) -> list[int]:
    """``notify`` for many (user ids, link, params) at once: one INSERT for all the records,
    users and the firm's gateway read once; the caller commits."""
    wanted = [(sorted(set(ids)), link, params) for ids, link, params in notices]
    all_ids = {i for ids, _, _ in wanted for i in ids}
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(all_ids), User.is_active.is_(True))
        )
    }
    rows = [
        {"user_id": i, "event": event, "params": params, "link": link, "created_at": utcnow()}
        for ids, link, params in wanted
        for i in ids
        if i in users
    ]
    if not rows:
        return []
    table = Notification.__table__
    created = insert_rows(table, rows, returning=(table.c.id, table.c.user_id)).all()
    fan_out = ChannelFanOut()
    fan_out.preload(event, users)
    mailed = []
    for note_id, user_id in sorted(created):
        if fan_out.enabled(users[user_id], event, "email"):
            mailed.append(note_id)
        fan_out.send(users[user_id], event, note_id, email=False)
    fan_out.send_emails(mailed)
    return [note_id for note_id, _ in created]


class ChannelFanOut:
    """Queues, after the commit, the e-mail and gateway jobs of new in-app records."""

    def __init__(self):
        self.slug = current_tenant().slug
        self.has_gateway = active_webhook() is not None
        self.choices: dict[tuple[int, str, str], bool] = {}

    def preload(self, event: str, user_ids: Iterable[int]) -> None:
        """The users' choices for ``event`` on every channel, read in one query."""
        user_ids = list(user_ids)
        saved = {
            (user_id, channel): enabled
            for user_id, channel, enabled in db.session.execute(
                select(
                    NotificationPreference.user_id,
                    NotificationPreference.channel,
                    NotificationPreference.enabled,
                ).where(
                    NotificationPreference.user_id.in_(user_ids),
                    NotificationPreference.event == event,
                )
            )
        }
        for user_id in user_ids:
            for channel in CHANNELS:
                self.choices[(user_id, event, channel)] = saved.get(
                    (user_id, channel), default_enabled(event, channel)
                )

    def enabled(self, user: User, event: str, channel: str) -> bool:
        key = (user.id, event, channel)
        if key not in self.choices:
            self.choices[key] = channel_enabled(user, event, channel)
        return self.choices[key]

    def send_emails(self, note_ids: list[int]) -> None:
        """The e-mails of many new records: one job per ``EMAIL_BATCH`` of them."""
        slug = self.slug
        for start in range(0, len(note_ids), EMAIL_BATCH):
            batch = note_ids[start : start + EMAIL_BATCH]
            enqueue_after_commit(
                "high",
                EMAILS_JOB,
                slug,
                batch,
                job_id=f"note-mails-{slug}-{batch[0]}-{batch[-1]}",
                retry=EMAIL_RETRY,
            )

    def send(self, user: User, event: str, note_id: int, email: bool = True) -> None:
        slug = self.slug
        if email and self.enabled(user, event, "email"):
            enqueue_after_commit(
                "high",
                EMAIL_JOB,
                slug,
                note_id,
                job_id=f"note-mail-{slug}-{note_id}",
                retry=EMAIL_RETRY,
            )
        for channel in WEBHOOK_CHANNELS if self.has_gateway else ():
            if self.enabled(user, event, channel):
                enqueue_after_commit(
                    "high",
                    WEBHOOK_JOB,
                    slug,
                    note_id,
                    channel,
                    job_id=f"hook-{slug}-{note_id}-{channel}",
                    retry=Retry(max=4, interval=[10, 60, 300, 900]),
                )


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def visible_notifications_query(user: User):
    """The notifications ``user`` may see (their own), newest first."""
    return (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )


def get_visible_notification(user: User, notification_id: int) -> Notification | None:
    """One of ``user``'s notifications, or None if there is no such notification of theirs."""
    return db.session.scalar(
        visible_notifications_query(user).where(Notification.id == notification_id)
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


def email_notification(notification_id: int) -> int | None:
    """Put one notification's e-mail in the outbox once, in the reader's language.

    Returns the new message's id, or None if there is nothing (more) to send.
    """
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
        link = (
            (firm_base_url() + note.link) if note.link and note.link.startswith("/") else note.link
        )
        email = queue_email(
            user.email,
            kind,
            email_template(note.event),
            title=title,
            user=user,
            link=link,
            params=note.params,
        )
    return email.id


def notification_email_id(notification_id: int) -> int | None:
    """The stored e-mail of a notification, if there is one."""
    kind = f"notification:{notification_id}"
    return db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.kind == kind))


def email_template(event: str) -> str:
    """``emails/notification_<event>.*`` when a feature wrote one, else the generic one."""
    name = f"notification_{event}"
    try:
        current_app.jinja_env.get_template(f"emails/{name}.html")
    except TemplateNotFound:
        return "notification"
    return name


def webhook_payload(note: Notification, channel: str) -> dict:
    """What the gateway receives: enough to text or message the person."""
    user = db.session.get(User, note.user_id)
    firm = current_tenant()
    with force_locale(user.locale or firm.locale):
        title = render_title(note.event, note.params)
    link = (firm_base_url() + note.link) if note.link and note.link.startswith("/") else note.link
    return {
        "id": f"{firm.slug}:{note.id}:{channel}",
        "channel": channel,
        "event": note.event,
        "firm": {"slug": firm.slug, "name": firm.name},
        "title": title,
        "link": link,
        "to": {"user_id": user.id, "name": user.name, "phone": user.phone, "email": user.email},
        "created_at": note.created_at.isoformat(),
    }


def deliver_webhook(notification_id: int, channel: str) -> str:
    """Send one notification to the firm's gateway; raises so that the job is retried.

    A gateway URL the outbound rule refuses (saved before the rule, or a name
    that now resolves to a private address) sends nothing: the refusal is
    recorded on the gateway and logged, and the job ends without a retry.
    """
    note = db.session.get(Notification, notification_id)
    hook = active_webhook()
    if note is None or hook is None:
        return "skipped"
    payload = webhook_payload(note, channel)
    try:
        post_signed(hook.url, hook.secret, payload)
    except OutboundRefused as exc:
        log.warning(
            "firm %s: gateway URL refused, notification %s not sent: %s",
            current_tenant().slug,
            notification_id,
            exc,
        )
        hook.last_error = f"refused: {exc}"[:500]
        return "refused"
    except WebhookError as exc:
        hook.last_error = str(exc)[:500]
        # Kept although the job fails: the gateway page shows why it is being retried.
        db.session.commit()
        raise
    hook.last_error, hook.last_success_at = None, utcnow()
    return "sent"
