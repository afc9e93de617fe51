"""Binding one firm's schema to the unit of work in progress.

Every transaction the ORM session begins gets a ``schema_translate_map``
pointing the placeholder schema at the bound firm's schema. The firm is kept
in a context variable: set per request by the host resolver and by
``tenant_context()`` in jobs, CLI commands and tests.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants.db import TENANT_SCHEMA, db
from tenants.models import Tenant, TenantInfo
from tenants.naming import validate_schema_name

_bound: ContextVar[TenantInfo | None] = ContextVar("yk_bound_tenant", default=None)


class TenantNotBound(RuntimeError):
    """Firm data was asked for with no firm bound."""


def current_tenant() -> TenantInfo:
    """The firm bound to this unit of work; raises if there is none."""
    info = _bound.get()
    if info is None:
        raise TenantNotBound("no firm is bound to this unit of work")
    return info


def bound_schema() -> str | None:
    info = _bound.get()
    return info.schema_name if info else None


def translate_map_for(schema_name: str | None) -> dict:
    """The translate map for a firm schema; the placeholder itself when unbound."""
    if schema_name is None:
        # The placeholder schema never exists: every statement fails closed.
        return {TENANT_SCHEMA: TENANT_SCHEMA}
    return {TENANT_SCHEMA: validate_schema_name(schema_name)}


@event.listens_for(Session, "after_begin")
def _bind_schema_on_begin(session, transaction, connection):
    # A connection handed over with its own map (provisioning, migrations) keeps it.
    if "schema_translate_map" in connection.get_execution_options():
        return
    connection.execution_options(schema_translate_map=translate_map_for(bound_schema()))


def bind(info: TenantInfo | None):
    """Bind ``info`` (or nothing) from now on; returns a token for ``unbind``."""
    return _bound.set(info)


def unbind(token) -> None:
    _bound.reset(token)


def load_tenant_info(slug_or_info) -> TenantInfo:
    """A registry snapshot of the firm with this slug (or the snapshot given)."""
    if isinstance(slug_or_info, TenantInfo):
        return slug_or_info
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug_or_info))
    if tenant is None:
        raise LookupError(f"no firm with slug {slug_or_info!r}")
    return tenant.info()


@contextmanager
def tenant_context(slug_or_info):
    """Run a block as the given firm (for jobs, CLI commands and tests).

    The ORM session is replaced on the way in and out: its identity map
    ignores schemas, so a session must never carry objects across firms.
    Uncommitted work of the caller is rolled back.
    """
    db.session.remove()
    info = load_tenant_info(slug_or_info)
    db.session.remove()
    token = bind(info)
    try:
        yield info
    finally:
        db.session.remove()
        unbind(token)
