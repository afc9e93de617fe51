"""Host name → firm, before anything else in a request.

Lookups are cached in each process. A change of the registry (a new firm, a
domain verified or removed, a firm suspended or dropped) must reach every
process at once, not after the cache's lifetime: ``invalidate`` increments a
registry version in Redis, and a cache entry is trusted only under the version
it was made with. The version is read (one GET) at most every
``CHECK_SECONDS`` for known firms, and on every hit of an unknown host, so the
first request to a firm that was just created or a domain just verified never
gets the 404 cached a moment before. The Redis client is given by the
application (``resolver.version_store``); this layer imports nothing from it.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import fields

from redis.exceptions import RedisError
from sqlalchemy import event, select

from tenants.db import db
from tenants.models import Domain, Tenant, TenantInfo

CACHE_SECONDS = 10.0
CHECK_SECONDS = 0.5
RETRY_SECONDS = 5.0  # after Redis failed to answer: no page waits on it again before this
VERSION_KEY = "yk:tenants:registry-version"

log = logging.getLogger(__name__)


def normalize_host(host: str) -> str:
    """Lower-case host without port or trailing dot."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


class HostResolver:
    """Looks a host up among verified ``Domain`` rows, with a short in-process cache.

    Unknown hosts are cached too (as None) so a flood of junk hosts costs one
    query per host per interval. An entry is used only while the registry
    version it was made under is current: a host that became a firm is served
    by the next request everywhere, a firm suspended or a domain removed
    within ``check_interval``. Without Redis (or while it is down) entries
    live ``ttl``.
    """

    def __init__(
        self,
        ttl: float = CACHE_SECONDS,
        max_entries: int = 10_000,
        check_interval: float = CHECK_SECONDS,
    ):
        self.ttl = ttl
        self.max_entries = max_entries
        self.check_interval = check_interval
        #: Returns the Redis client holding the registry version (set by the app), or None.
        self.version_store: Callable[[], object | None] | None = None
        self._cache: dict[str, tuple[float, bytes | None, TenantInfo | None]] = {}
        self._version: bytes | None = None
        self._checked_at = self._retry_at = float("-inf")
        self._lock = threading.Lock()

    def resolve(self, host: str) -> TenantInfo | None:
        host = normalize_host(host)
        now = time.monotonic()
        hit = self._cache.get(host)
        # An unknown host must not stay unknown once it is a firm: always ask then.
        version = self.registry_version(now, recheck=hit is not None and hit[2] is None)
        if hit and hit[0] > now and hit[1] == version:
            return hit[2]
        info = lookup_host(host)
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            self._cache[host] = (now + self.ttl, version, info)
        return info

    def registry_version(self, now: float, recheck: bool = False) -> bytes | None:
        """The registry version (one Redis GET per ``check_interval``); the last one if Redis fails."""
        store = self.version_store() if self.version_store else None
        if (
            store is None
            or now < self._retry_at
            or (not recheck and now < self._checked_at + self.check_interval)
        ):
            return self._version
        try:
            self._version = store.get(VERSION_KEY)
            self._checked_at = now
        except RedisError as exc:
            self._retry_at = now + RETRY_SECONDS
            log.warning(
                "registry version unavailable, host cache falls back to %ss: %s", self.ttl, exc
            )
        return self._version

    def invalidate(self) -> None:
        """Forget cached lookups here and, through the registry version, in every process.

        Call it after the change is committed, so no process caches the old state anew.
        """
        with self._lock:
            self._cache.clear()
        store = self.version_store() if self.version_store else None
        if store is None:
            return
        try:
            store.incr(VERSION_KEY)
        except RedisError as exc:
            log.warning(
                "registry version not incremented; other processes see the change within %ss: %s",
                self.ttl,
                exc,
            )


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


def invalidate_after_commit() -> None:
    """Call ``resolver.invalidate`` once this transaction commits (not before: no stale re-cache)."""
    event.listen(db.session(), "after_commit", lambda _session: resolver.invalidate(), once=True)
