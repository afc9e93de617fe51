"""Money jobs: the billing run, fanned out per firm, and the dunning pass, run for a firm
when the due-work index says a reminder step is due (and daily for every firm, as a net).

Both are idempotent: a re-run (or two at once) creates no second invoice and
sends no second reminder step.
"""

from tenants.jobs import platform_job, tenant_job
from yk_saas.jobs import for_each_firm


@tenant_job
def billing_run() -> int:
    """Create this firm's due contract invoices."""
    from yk_saas.billing.services import run_billing

    return run_billing()


@tenant_job
def dunning_pass() -> int:
    """Send this firm's due reminder steps; end a trial that ran out; then the firm's
    next dunning time in the due-work index (run by the index's tick when it comes)."""
    from yk_saas import due
    from yk_saas.billing.dunning import DUE_KIND, next_dunning_at, run_dunning
    from yk_saas.billing.subscription import expire_trial
    from yk_saas.extensions import queue

    version = due.read_due(DUE_KIND)
    expire_trial()
    sent = run_dunning()
    due.reschedule(DUE_KIND, version, next_dunning_at())
    due.job_done(queue().connection, DUE_KIND)
    return sent


@platform_job
def billing_run_everywhere() -> int:
    """Periodic: one billing run job per firm."""
    return for_each_firm(billing_run, queue_name="low")


@platform_job
def dunning_pass_everywhere() -> int:
    """Safety net (daily): one dunning pass job per firm, whatever the due-work index says."""
    return for_each_firm(dunning_pass, queue_name="default")
