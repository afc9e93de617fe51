"""Alembic migrations of the ``public`` registry and of every firm schema.

Public first, then each firm in its own transaction (touching many schemas in
one transaction exhausts PostgreSQL's lock table), batches of firms sharing a
connection. Batches run in parallel processes, each of which reads the script
directory once; one firm that fails is reported and the rest go on. The registry keeps
each firm's revision, so a run with nothing to do never opens a firm schema.
"""

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, has_app_context
from sqlalchemy import create_engine, select, update
from sqlalchemy.pool import NullPool

from tenants.db import db
from tenants.models import Tenant
from tenants.naming import quote_schema


def tenant_script(path: str | None = None) -> ScriptDirectory:
    """The Alembic script directory of firm schemas."""
    return ScriptDirectory(path or current_app.config["TENANT_MIGRATIONS"])


def public_script(path: str | None = None) -> ScriptDirectory:
    return ScriptDirectory(path or current_app.config["PUBLIC_MIGRATIONS"])


class StampedSchemaContext(MigrationContext):
    """A schema known to hold its version table (the registry has its revision): Alembic's
    catalog look-up for the table, one query per firm, is skipped."""

    def _has_version_table(self) -> bool:
        return True


def _run_upgrade(
    conn,
    script: ScriptDirectory,
    version_schema: str,
    target: str = "heads",
    stamped: bool = False,
    **kw,
) -> None:
    def upgrade(rev, context):
        return script._upgrade_revs(target, rev)

    opts = {"version_table_schema": version_schema, "script": script, "fn": upgrade}
    if stamped:
        ctx = StampedSchemaContext(conn.dialect, conn, opts)
    else:
        ctx = MigrationContext.configure(conn, opts=opts)
    with Operations.context(ctx):
        ctx.run_migrations(**kw)


def upgrade_public(engine=None, path: str | None = None) -> None:
    """Bring the ``public`` registry schema to its head revision."""
    engine = engine or db.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7212001)")
        _run_upgrade(conn, public_script(path), "public")


@dataclass
class MigrationReport:
    head: str | None
    migrated: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def migrate_tenant(
    engine, script: ScriptDirectory, slug: str, schema: str, target: str | None = None
) -> None:
    """Upgrade one firm schema (to ``target``, default the head) and record it, in one transaction."""
    with engine.connect() as conn:
        migrate_tenant_on(conn, script, slug, schema, target or script.get_current_head())


def migrate_tenant_on(
    conn, script: ScriptDirectory, slug: str, schema: str, head: str, stamped: bool = False
) -> None:
    """Upgrade one firm schema to ``head`` on ``conn`` and record it, in one transaction
    of its own (``stamped``: the registry has a revision for it, so its version table exists)."""
    with conn.begin():
        # search_path is used here only, and LOCAL so it dies with the transaction: the
        # connection carries no state to the next firm (nor through a transaction pooler).
        conn.exec_driver_sql(f"SET LOCAL search_path TO {quote_schema(schema)}")
        _run_upgrade(conn, script, schema, target=head, stamped=stamped, schema=schema)
        conn.execute(update(Tenant).where(Tenant.slug == slug).values(schema_version=head))


def migrate_tenants(
    *,
    engine=None,
    path: str | None = None,
    slugs: Iterable[str] | None = None,
    workers: int = 4,
    on_progress: Callable[[str], None] | None = None,
    target: str | None = None,
) -> MigrationReport:
    """Upgrade every firm schema (or those in ``slugs``) to ``target`` (default: the head)."""
    engine = engine or db.engine
    script = tenant_script(path)
    report = MigrationReport(head=target or script.get_current_head())
    query = select(Tenant.slug, Tenant.schema_name, Tenant.schema_version).order_by(Tenant.id)
    if slugs is not None:
        query = query.where(Tenant.slug.in_(list(slugs)))
    with engine.connect() as conn:
        firms = conn.execute(query).all()
    todo = []
    for firm in firms:
        if firm.schema_version == report.head:
            report.current.append(firm.slug)
            if on_progress:
                on_progress(firm.slug)
        else:
            todo.append(firm)
    if not todo:
        return report
    url = engine.url.render_as_string(hide_password=False)
    workers = max(1, min(workers, len(todo)))
    # Firms go to the processes in batches: one task and one connection per batch, not per
    # firm; small enough batches that the processes finish together.
    size = max(1, min(MIGRATION_BATCH, len(todo) // (workers * 4)))
    batches = [todo[start : start + size] for start in range(0, len(todo), size)]
    # Processes, not threads: Alembic's ``op`` is one global per process.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_migration_worker,
        initargs=(url, _app_connect_args()),
    ) as pool:
        futures = {
            pool.submit(
                _migrate_batch_in_worker,
                script.dir,
                [(f.slug, f.schema_name, f.schema_version is not None) for f in batch],
                report.head,
            ): batch
            for batch in batches
        }
        for future in as_completed(futures):
            batch = futures[future]
            try:
                errors = future.result()
            except Exception as exc:  # noqa: BLE001  a lost process fails its batch only
                errors = {f.slug: f"{type(exc).__name__}: {exc}" for f in batch}
            for firm in batch:
                if firm.slug in errors:
                    report.failed[firm.slug] = errors[firm.slug].splitlines()[0]
                else:
                    report.migrated.append(firm.slug)
                if on_progress:
                    on_progress(firm.slug)
    return report


#: Most firms handed to a migration process at once.
MIGRATION_BATCH = 50
_worker_engine = None


def _app_connect_args() -> dict:
    # The same driver arguments as the app's engine (no prepared statements behind a pooler).
    if not has_app_context():
        return {}
    return dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}))


def _start_migration_worker(url: str, connect_args: dict) -> None:
    global _worker_engine
    _worker_engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)


@lru_cache(maxsize=4)
def _script_directory(path: str) -> ScriptDirectory:
    # Parsing every revision file once per process, not once per firm.
    return ScriptDirectory(path)


def _migrate_batch_in_worker(
    script_dir: str, firms: list[tuple[str, str, bool]], target: str
) -> dict[str, str]:
    """Migrate (slug, schema, stamped) firms on one connection, each in its own transaction;
    returns the error of each firm that failed (the others go on)."""
    script = _script_directory(script_dir)
    errors = {}
    conn = _worker_engine.connect()
    try:
        for slug, schema, stamped in firms:
            try:
                migrate_tenant_on(conn, script, slug, schema, target, stamped=stamped)
            except Exception as exc:  # noqa: BLE001  one broken firm must not stop the others
                errors[slug] = f"{type(exc).__name__}: {exc}"
                if conn.invalidated or conn.closed:
                    conn.close()
                    conn = _worker_engine.connect()
    finally:
        conn.close()
    return errors
