"""Host name → firm, before anything else in a request."""

import threading
import time
from dataclasses import fields

from sqlalchemy import select

from tenants.db import db
from tenants.models import Domain, Tenant, TenantInfo

CACHE_SECONDS = 10.0


def normalize_host(host: str) -> str:
    """Lower-case host without port or trailing dot."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


class HostResolver:
    """Looks a host up among verified ``Domain`` rows, with a short in-process cache.

    Unknown hosts are cached too (as None) so a flood of junk hosts costs one
    query per host per interval. Status changes reach other processes within
    ``CACHE_SECONDS``; this process sees them at once through ``invalidate``.
    """

    def __init__(self, ttl: float = CACHE_SECONDS, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, TenantInfo | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, host: str) -> TenantInfo | None:
        host = normalize_host(host)
        now = time.monotonic()
        hit = self._cache.get(host)
        if hit and hit[0] > now:
            return hit[1]
        info = lookup_host(host)
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            self._cache[host] = (now + self.ttl, info)
        return info

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()


def lookup_host(host: str) -> TenantInfo | None:
    """The firm a verified domain row points to, straight from the registry.

    Runs on its own short connection so that the request's ORM session has no
    transaction open (with the wrong translate map) when the firm is bound.
    """
    query = (
        select(*[Tenant.__table__.c[f.name] for f in fields(TenantInfo)])
        .join(Domain, Domain.tenant_id == Tenant.id)
        .where(Domain.host == host, Domain.verified.is_(True))
    )
    with db.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return TenantInfo(**row) if row else None


def primary_host(tenant_id: int) -> str | None:
    """The host used in links and e-mails for a firm."""
    return db.session.scalar(
        select(Domain.host)
        .where(Domain.tenant_id == tenant_id, Domain.verified.is_(True))
        .order_by(Domain.is_primary.desc(), Domain.id)
        .limit(1)
    )


resolver = HostResolver()
