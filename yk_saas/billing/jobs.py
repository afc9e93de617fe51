"""Money jobs: the billing run (enqueued by the due-work index when a firm has a period
to bill) and the dunning pass (fanned out per firm).

Both are idempotent: a re-run (or two at once) creates no second invoice and
sends no second reminder step.
"""

from tenants.jobs import platform_job, tenant_job
from yk_saas import due
from yk_saas.jobs import for_each_firm


@tenant_job
def billing_run() -> int:
    """Create this firm's due contract invoices; then its next period start into the index."""
    from yk_saas.billing.services import DUE_KIND, next_billing_due, run_billing

    return due.run_due_job(DUE_KIND, run_billing, next_billing_due)


@tenant_job
def dunning_pass() -> int:
    """Send this firm's due reminder steps; end a trial that ran out."""
    from yk_saas.billing.dunning import run_dunning
    from yk_saas.billing.subscription import expire_trial

    expire_trial()
    return run_dunning()


@platform_job
def billing_run_everywhere() -> int:
    """One billing run job per firm, whatever the index says (kept for jobs queued under it)."""
    return for_each_firm(billing_run, queue_name="low")


@platform_job
def dunning_pass_everywhere() -> int:
    """Periodic: one dunning pass job per firm."""
    return for_each_firm(dunning_pass, queue_name="default")
