"""Claim-timeout jobs: one at each item's deadline, and a sweep every minute per firm.

The jobs only read the deadline from the database and run the conditional
updates of ``claims``, so a job that runs twice, late, or after the sweep
changes nothing the second time. ``claims.open_for_claims`` schedules
``claim_deadline_reached`` by its path (``claims.CLAIM_DEADLINE_JOB``).
"""

from tenants.jobs import platform_job, tenant_job
from yk_saas.jobs import for_each_firm
from yk_saas.work import claims


@tenant_job
def claim_deadline_reached(item_id: int) -> str | None:
    """At an item's deadline: assign it by policy or escalate it (if still unclaimed)."""
    return claims.apply_timeout(item_id)


@tenant_job
def sweep_claim_timeouts_and_stale_work() -> dict:
    """One firm: every item past its claim deadline (whatever jobs were lost or late), then
    the "no progress" reminders and escalations of assigned items."""
    return claims.sweep_timeouts_and_stale_work()


@platform_job
def sweep_claim_timeouts_and_stale_work_everywhere() -> int:
    """Periodic: one sweep job per active firm."""
    return for_each_firm(sweep_claim_timeouts_and_stale_work, queue_name="high")


# The names of earlier releases, for jobs already queued in Redis under them during a deploy.
sweep_claim_timeouts = sweep_claim_timeouts_and_stale_work
sweep_claim_timeouts_everywhere = sweep_claim_timeouts_and_stale_work_everywhere
