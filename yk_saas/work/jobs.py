"""Claim-timeout jobs: one at each item's deadline, and a sweep every minute per firm.

The jobs only read the deadline from the database and run the conditional
updates of ``claims``, so a job that runs twice, late, or after the sweep
changes nothing the second time.
"""

from sqlalchemy import select

from tenants import current_tenant, db
from tenants.jobs import platform_job, tenant_job
from yk_saas import heartbeat
from yk_saas.extensions import DEADLINES_QUEUE
from yk_saas.jobs import enqueue_after_commit, for_each_firm
from yk_saas.work import claims
from yk_saas.work.models import WorkItem


@tenant_job
def claim_deadline_reached(item_id: int) -> str | None:
    """At an item's deadline: assign it by policy or escalate it (if still unclaimed)."""
    deadline = db.session.scalar(select(WorkItem.claim_deadline).where(WorkItem.id == item_id))
    outcome = claims.apply_timeout(item_id)
    if outcome is not None and deadline is not None:
        sample = f"{current_tenant().slug}-{item_id}"
        heartbeat.record_since(heartbeat.CLAIM_LATENESS, sample, deadline)
    return outcome


@tenant_job
def sweep_claim_timeouts() -> dict:
    """Every overdue item of one firm, whatever jobs were lost or late."""
    return claims.sweep()


@platform_job
def sweep_claim_timeouts_everywhere() -> int:
    """Periodic: one sweep job per active firm."""
    return for_each_firm(sweep_claim_timeouts, queue_name="high")


def schedule_timeout_after_commit(item_id: int, deadline) -> None:
    """Schedule ``claim_deadline_reached`` at ``deadline`` once this transaction commits.

    If scheduling fails, the minute sweep still finds the item by its deadline column.
    """
    slug = current_tenant().slug
    enqueue_after_commit(
        DEADLINES_QUEUE,
        claim_deadline_reached,
        slug,
        item_id,
        at=deadline,
        job_id=f"claim-timeout-{slug}-{item_id}",
    )
