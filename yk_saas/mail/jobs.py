"""Mail jobs: each takes the firm's slug and a message id."""

from rq import Retry

from tenants import current_tenant
from tenants.jobs import platform_job, tenant_job
from yk_saas import due
from yk_saas.jobs import enqueue_after_commit, for_each_firm
from yk_saas.mail import services


@tenant_job
def deliver_email(email_id: int) -> str:
    """Deliver one outbox message (idempotent: a handled message is skipped)."""
    return services.deliver_email(email_id)


def enqueue_delivery(email_id: int) -> None:
    """Queue delivery of the message once it is committed, retried with backoff if SMTP fails."""
    enqueue_after_commit(
        "high",
        deliver_email,
        current_tenant().slug,
        email_id,
        job_id=f"mail-{current_tenant().slug}-{email_id}",
        retry=Retry(max=services.MAX_ATTEMPTS - 1, interval=[10, 60, 300, 900]),
    )


@tenant_job
def deliver_emails(email_ids: list[int]) -> int:
    """Deliver a batch of outbox messages over one SMTP connection (each still once)."""
    return services.deliver_emails(email_ids)


#: Messages per delivery job when many are queued at once (a dunning pass).
DELIVERY_BATCH = 25


def enqueue_deliveries(email_ids: list[int]) -> None:
    """Queue delivery of many messages once they are committed: one job per batch, so
    thousands of reminders are a few hundred jobs; retried with backoff if SMTP fails."""
    slug = current_tenant().slug
    for start in range(0, len(email_ids), DELIVERY_BATCH):
        batch = email_ids[start : start + DELIVERY_BATCH]
        enqueue_after_commit(
            "high",
            deliver_emails,
            slug,
            batch,
            job_id=f"mail-{slug}-{batch[0]}-{batch[-1]}",
            retry=Retry(max=services.MAX_ATTEMPTS - 1, interval=[10, 60, 300, 900]),
        )


@platform_job
def requeue_stuck_mail_everywhere() -> int:
    """A stuck-mail pass per firm, whatever the index says (kept for jobs queued under it)."""
    return for_each_firm(requeue_stuck_mail)


@tenant_job
def requeue_stuck_mail() -> int:
    """Deliver messages left queued (Redis lost the job) or failed with tries left, in one batch;
    then the firm's next pass time into the due-work index."""
    return due.run_due_job(
        services.DUE_KIND, services.deliver_stuck_mail, services.next_stuck_mail_due
    )
