"""Claim-timeout jobs: one at each item's deadline, and a sweep every minute per firm.

The jobs only read the deadline from the database and run the conditional
updates of ``claims``, so a job that runs twice, late, or after the sweep
changes nothing the second time.
"""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from tenants import current_tenant, db
from tenants.jobs import platform_job, tenant_job
from yk_saas.extensions import queue
from yk_saas.jobs import for_each_firm
from yk_saas.work import claims

log = logging.getLogger("yk_saas.work.jobs")


@tenant_job
def claim_deadline_reached(item_id: int) -> str | None:
    """At an item's deadline: assign it by policy or escalate it (if still unclaimed)."""
    return claims.apply_timeout(item_id)


@tenant_job
def sweep_claim_timeouts() -> dict:
    """Every overdue item of one firm, whatever jobs were lost or late."""
    return claims.sweep()


@platform_job
def sweep_claim_timeouts_everywhere() -> int:
    """Periodic: one sweep job per active firm."""
    return for_each_firm(sweep_claim_timeouts, queue_name="high")


def schedule_timeout_after_commit(item_id: int, deadline) -> None:
    """Schedule ``claim_deadline_reached`` at ``deadline`` once this transaction commits."""
    db.session().info.setdefault("yk_work_timeouts", []).append(
        (current_tenant().slug, item_id, deadline))


@event.listens_for(Session, "after_commit")
def _schedule_committed_timeouts(session):
    for slug, item_id, deadline in session.info.pop("yk_work_timeouts", []):
        try:
            queue("high").enqueue_at(deadline, claim_deadline_reached, slug, item_id,
                                     job_id=f"claim-timeout-{slug}-{item_id}")
        except Exception:  # the minute sweep handles what could not be scheduled
            log.exception("could not schedule the claim timeout of item %s", item_id)


@event.listens_for(Session, "after_rollback")
def _drop_uncommitted_timeouts(session):
    session.info.pop("yk_work_timeouts", None)
