"""Notification jobs: e-mail a notification once; send it to the firm's SMS/WeChat gateway."""

from tenants import current_tenant, db
from tenants.jobs import tenant_job
from yk_saas import heartbeat
from yk_saas.mail import services as mail
from yk_saas.notifications import services
from yk_saas.notifications.models import Notification


@tenant_job
def send_notification_email(notification_id: int) -> int | None:
    """Render, store and send the e-mail of one notification in one job.

    Idempotent per notification: a second run (or a retry after an SMTP
    failure) finds the stored message and sends it only if it is not handled.
    """
    email_id = services.email_notification(notification_id)
    if email_id is None:
        email_id = services.notification_email_id(notification_id)
    # Stored before sending: an SMTP failure keeps the message for the retry.
    db.session.commit()
    if email_id is not None and mail.deliver_email(email_id) in (mail.SENT, mail.OUTBOX):
        note = db.session.get(Notification, notification_id)
        sample = f"{current_tenant().slug}-{notification_id}"
        heartbeat.record_since(heartbeat.EMAIL_DELAY, sample, note.created_at)
    return email_id


@tenant_job
def send_notification_emails(notification_ids: list[int]) -> int:
    """``send_notification_email`` for a batch of notifications, over one SMTP connection;
    each notification's message is stored and sent in a transaction of its own, so a
    retry (after an SMTP failure, raised) skips those already handled."""
    with mail.smtp_batch():
        for notification_id in notification_ids:
            send_notification_email.unbound(notification_id)
            db.session.commit()
    return len(notification_ids)


@tenant_job
def send_notification_webhook(notification_id: int, channel: str) -> str:
    """POST one notification to the gateway; a failure raises and RQ retries with backoff."""
    return services.deliver_webhook(notification_id, channel)
