"""Notification jobs: e-mail a notification once; send it to the firm's SMS/WeChat gateway."""

from tenants.jobs import tenant_job
from yk_saas.mail.jobs import enqueue_delivery
from yk_saas.notifications import services


@tenant_job
def send_notification_email(notification_id: int) -> int | None:
    """Queue and deliver the e-mail of one notification; a second run sends nothing."""
    email_id = services.email_notification(notification_id)
    if email_id is not None:
        enqueue_delivery(email_id)
    return email_id


@tenant_job
def send_notification_webhook(notification_id: int, channel: str) -> str:
    """POST one notification to the gateway; a failure raises and RQ retries with backoff."""
    return services.deliver_webhook(notification_id, channel)
