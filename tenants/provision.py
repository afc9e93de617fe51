"""Creating a firm: schema, tables, migration stamp, registry rows and defaults.

Everything happens in one transaction, so a failure at any step leaves no
schema and no registry row behind.
"""

from collections.abc import Callable

from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenants.db import TENANT_SCHEMA, db, tenant_tables
from tenants.migrate import tenant_script
from tenants.models import Domain, Tenant, TenantInfo
from tenants.naming import quote_schema, schema_for_slug
from tenants.resolve import resolver

SeedFn = Callable[[Session, TenantInfo], None]


class SlugTaken(ValueError):
    """Another firm already has this subdomain."""


def provision_tenant(
    slug: str, name: str, *, host: str, seed: SeedFn | None = None, **settings
) -> TenantInfo:
    """Create the firm ``slug`` served at ``host`` and seed it; returns its snapshot.

    ``settings`` are registry columns (locale, timezone, currency, plan …).
    ``seed(session, info)`` adds the firm's default rows inside the same
    transaction; whatever it raises undoes the whole firm.
    """
    schema = schema_for_slug(slug)
    with db.engine.begin() as conn:
        if conn.scalar(select(Tenant.id).where(Tenant.slug == slug)):
            raise SlugTaken(slug)
        conn.exec_driver_sql(f"CREATE SCHEMA {quote_schema(schema)}")
        conn.execution_options(schema_translate_map={TENANT_SCHEMA: schema})
        db.metadata.create_all(conn, tables=tenant_tables(), checkfirst=False)
        head = stamp_schema(conn, schema)
        with Session(bind=conn) as session:
            tenant = Tenant(
                slug=slug, name=name, schema_name=schema, schema_version=head, **settings
            )
            tenant.domains.append(Domain(host=host, is_primary=True, verified=True))
            session.add(tenant)
            session.flush()
            info = tenant.info()
            if seed is not None:
                seed(session, info)
            session.flush()
    resolver.invalidate()
    return info


def stamp_schema(conn, schema: str) -> str | None:
    """Record the current tenant migration head in the new schema."""
    script = tenant_script()
    head = script.get_current_head()
    if head:
        ctx = MigrationContext.configure(conn, opts={"version_table_schema": schema})
        ctx.stamp(script, head)
    return head


def drop_tenant(slug: str) -> None:
    """Drop a firm's schema and registry rows, in one transaction."""
    with db.engine.begin() as conn:
        tenant = conn.execute(
            select(Tenant.id, Tenant.schema_name).where(Tenant.slug == slug)
        ).first()
        if tenant is None:
            raise LookupError(f"no firm with slug {slug!r}")
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quote_schema(tenant.schema_name)} CASCADE")
        conn.execute(delete(Domain).where(Domain.tenant_id == tenant.id))
        conn.execute(delete(Tenant).where(Tenant.id == tenant.id))
    resolver.invalidate()
