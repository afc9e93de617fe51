"""Domain verification in the worker: retried with growing delays until the record appears."""

from rq import Retry

from tenants import current_tenant, db
from tenants.jobs import tenant_job
from yk_saas.domains import services

RETRY = Retry(max=6, interval=[30, 120, 600, 1800, 3600, 3600])


class NotVerifiedYet(RuntimeError):
    """The TXT record is not visible yet; RQ retries the job."""


@tenant_job
def verify_domain(domain_id: int) -> str:
    domain = services.firm_domain(domain_id)
    if domain is None:
        return "gone"
    try:
        verified = services.check_domain(domain)
    except services.DomainError as exc:  # expired, or verified by another firm: no retry
        db.session.rollback()  # the job returns normally, so its boundary would commit
        return exc.code
    if not verified:
        raise NotVerifiedYet(domain.host)
    return "verified"


def enqueue_verification(domain_id: int) -> None:
    """Queue a check of the domain after this transaction commits."""
    from yk_saas.jobs import enqueue_after_commit

    slug = current_tenant().slug
    enqueue_after_commit(
        "default", verify_domain, slug, domain_id, job_id=f"domain-{slug}-{domain_id}", retry=RETRY
    )
