"""Claim-timeout jobs: one at each item's deadline, and a sweep per firm when the due-work
index says the firm has a deadline or a "no progress" step due (or its daily safety-net turn).

The jobs only read the deadline from the database and run the conditional
updates of ``claims``, so a job that runs twice, late, or after the sweep
changes nothing the second time. ``claims.open_for_claims`` schedules
``claim_deadline_reached`` by its path (``claims.CLAIM_DEADLINE_JOB``).
"""

from sqlalchemy import select

from tenants import current_tenant, db
from tenants.jobs import platform_job, tenant_job
from yk_saas import due, heartbeat
from yk_saas.jobs import for_each_firm
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
def sweep_claim_timeouts_and_stale_work() -> dict:
    """One firm: every item past its claim deadline (whatever jobs were lost or late), then
    the "no progress" reminders and escalations of assigned items; then the firm's next
    due time in the due-work index."""
    return due.run_due_job(claims.DUE_KIND, claims.sweep_timeouts_and_stale_work, claims.next_due)


@platform_job
def sweep_claim_timeouts_and_stale_work_everywhere() -> int:
    """One sweep job per active firm, whatever the index says (kept for queued jobs)."""
    return for_each_firm(sweep_claim_timeouts_and_stale_work, queue_name="low")


# The names of earlier releases, for jobs already queued in Redis under them during a deploy.
sweep_claim_timeouts = sweep_claim_timeouts_and_stale_work
sweep_claim_timeouts_everywhere = sweep_claim_timeouts_and_stale_work_everywhere
