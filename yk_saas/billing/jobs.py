"""Money jobs: the billing run and the dunning pass, fanned out per firm.

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
    """Send this firm's due reminder steps; end a trial that ran out."""
    from yk_saas.billing.dunning import run_dunning
    from yk_saas.billing.subscription import expire_trial

    expire_trial()
    return run_dunning()


@platform_job
def billing_run_everywhere() -> int:
    """Periodic: one billing run job per firm."""
    return for_each_firm(billing_run, queue_name="low")


@platform_job
def dunning_pass_everywhere() -> int:
    """Periodic: one dunning pass job per firm."""
    return for_each_firm(dunning_pass, queue_name="default")
