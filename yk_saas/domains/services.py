"""A firm's own domains: added by the owner, proven through a DNS TXT record, then routed.

The TXT token is an HMAC of the firm and host with the app's secret, so it is
never stored and cannot be guessed for another firm. Only verified rows route
(see ``tenants.resolve``); the primary verified domain is used in links and e-mails.

A claim blocks nobody: several firms may claim the same host, and the first
to verify it wins (one verified row per host, enforced by a unique index);
verifying voids the other claims. An unverified claim expires after
``DOMAIN_CLAIM_DAYS`` and can no longer be verified.
"""

import hashlib
import hmac
import re
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from tenants import current_tenant, db
from tenants.models import Domain
from tenants.resolve import invalidate_after_commit, normalize_host, resolver
from yk_saas.audit.services import record_audit
from yk_saas.errors import UserError
from yk_saas.models_base import utcnow

TXT_PREFIX = "_yk-verify"
_HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


PROBLEMS = {
    "invalid": _l("Enter a domain name like www.example.com."),
    "platform": _l("This address belongs to the platform."),
    "taken": _l("Another firm has already verified this domain."),
    "expired": _l("This claim has expired. Remove it and add the domain again."),
    "mine": _l("This domain is already in your list."),
    "unverified": _l("Verify the domain before making it primary."),
}


class DomainError(UserError):
    """A domain change refused: the message is for the owner, ``code`` for jobs and logs."""

    def __init__(self, code: str):
        super().__init__(str(PROBLEMS[code]), field="host")
        self.code = code


def verification_token(tenant_id: int, host: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"domain:{tenant_id}:{host}".encode(), hashlib.sha256).hexdigest()[:32]


def txt_record(domain: Domain) -> tuple[str, str]:
    """(name, value) of the TXT record the owner creates at their DNS provider."""
    return (
        f"{TXT_PREFIX}.{domain.host}",
        f"yk-verify={verification_token(domain.tenant_id, domain.host)}",
    )


def firm_domains() -> list[Domain]:
    return list(
        db.session.scalars(
            select(Domain)
            .where(Domain.tenant_id == current_tenant().id)
            .order_by(Domain.is_primary.desc(), Domain.id)
        )
    )


def firm_domain(domain_id: int) -> Domain | None:
    """One of the bound firm's own domains (never another firm's)."""
    return db.session.scalar(
        select(Domain).where(Domain.id == domain_id, Domain.tenant_id == current_tenant().id)
    )


def clean_host(raw: str) -> str:
    host = normalize_host(
        (raw or "").strip().removeprefix("http://").removeprefix("https://").split("/", 1)[0]
    )
    platform = current_app.config["PLATFORM_DOMAIN"]
    if not _HOST.match(host):
        raise DomainError("invalid")
    if host == platform or host.endswith("." + platform):
        raise DomainError("platform")
    return host


def claim_cutoff():
    """Unverified claims made before this moment have expired."""
    return utcnow() - timedelta(days=current_app.config["DOMAIN_CLAIM_DAYS"])


def purge_expired_claims() -> int:
    """Delete every firm's expired unverified claims; returns how many went."""
    return db.session.execute(
        delete(Domain).where(Domain.verified.is_(False), Domain.created_at < claim_cutoff())
    ).rowcount


def add_domain(raw_host: str) -> Domain:
    """Claim a domain for the bound firm; refused only when it is verified elsewhere (or mine)."""
    host = clean_host(raw_host)
    purge_expired_claims()
    rows = db.session.scalars(select(Domain).where(Domain.host == host)).all()
    if any(row.tenant_id == current_tenant().id for row in rows):
        raise DomainError("mine")
    if any(row.verified for row in rows):
        raise DomainError("taken")
    domain = Domain(
        host=host,
        tenant_id=current_tenant().id,
        is_primary=False,
        verified=False,
        created_at=utcnow(),
    )
    db.session.add(domain)
    db.session.flush()
    record_audit("domain_added", "domain", domain.id, host=host)
    return domain


def txt_values(name: str) -> list[str]:
    """TXT strings published at ``name`` (empty when there are none)."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=5)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
        return []
    except dns.exception.Timeout:
        raise
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]


def check_domain(domain: Domain, lookup=None) -> bool:
    """Look the TXT record up; mark the domain verified when it is there (the boundary commits).

    Raises ``DomainError`` when the claim can no longer win: "expired", or
    "taken" when another firm verified the host first.
    """
    if domain.verified:
        return True
    if domain.created_at < claim_cutoff():
        raise DomainError("expired")
    name, value = txt_record(domain)
    if value not in (lookup or txt_values)(name):
        return False
    # Verifications of one host run one at a time: the later one finds its claim void.
    db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("domain:" + domain.host))))
    if db.session.scalar(
        select(Domain.id).where(Domain.id == domain.id)
    ) is None or db.session.scalar(
        select(Domain.id).where(Domain.host == domain.host, Domain.verified.is_(True))
    ):
        raise DomainError("taken")
    domain.verified = True
    try:
        with db.session.begin_nested():  # and the unique index, whatever path wrote the row
            db.session.flush()
    except IntegrityError as exc:
        raise DomainError("taken") from exc
    db.session.execute(
        delete(Domain).where(
            Domain.host == domain.host, Domain.id != domain.id, Domain.verified.is_(False)
        )
    )
    record_audit("domain_verified", "domain", domain.id, host=domain.host)
    invalidate_after_commit()
    return True


def make_primary(domain: Domain) -> None:
    """Use this verified domain in links and e-mails."""
    if not domain.verified:
        raise DomainError("unverified")
    db.session.execute(
        update(Domain).where(Domain.tenant_id == domain.tenant_id).values(is_primary=False)
    )
    domain.is_primary = True
    record_audit("domain_primary", "domain", domain.id, host=domain.host)
    invalidate_after_commit()


def remove_domain(domain: Domain) -> None:
    """Remove a custom domain; the platform subdomain stays (it is the fallback)."""
    from yk_saas.platform.services import firm_host

    if domain.host == firm_host(current_tenant().slug):
        raise DomainError("platform")
    was_primary = domain.is_primary
    record_audit("domain_removed", "domain", domain.id, host=domain.host)
    db.session.delete(domain)
    db.session.flush()
    if was_primary:
        fallback = db.session.scalar(
            select(Domain).where(
                Domain.tenant_id == current_tenant().id,
                Domain.host == firm_host(current_tenant().slug),
            )
        )
        if fallback is not None:
            fallback.is_primary = True
    invalidate_after_commit()


def after_change() -> None:
    """Routing changed and is committed: forget cached host lookups in every process."""
    resolver.invalidate()
