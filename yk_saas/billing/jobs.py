"""Money jobs: the billing run and the dunning pass, each run for a firm when the due-work
index says it has a period to bill or a reminder step due (and once a day for every firm
through the index's safety net).

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
    """Send this firm's due reminder steps and end a trial that ran out; then the firm's next
    dunning time into the due-work index."""
    from yk_saas.billing.dunning import DUE_KIND, next_dunning_at, run_dunning
    from yk_saas.billing.subscription import expire_trial

    def work() -> int:
        expire_trial()
        return run_dunning()

    return due.run_due_job(DUE_KIND, work, next_dunning_at)


@platform_job
def billing_run_everywhere() -> int:
    """One billing run job per firm, whatever the index says (kept for jobs queued under it)."""
    return for_each_firm(billing_run, queue_name="low")


@platform_job
def dunning_pass_everywhere() -> int:
    """One dunning pass job per firm, whatever the index says (kept for jobs queued under it)."""
    return for_each_firm(dunning_pass, queue_name="default")
