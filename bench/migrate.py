"""``tenants migrate`` over many firm schemas: nothing to do, and one added column.

Baselines in the same run: raw ``ALTER TABLE … ADD COLUMN`` over every schema
on one connection (one transaction per firm), and a no-op run that opens every
schema (what a migrate without the registry's revision column has to do).
The column is added three times: by ``migrate_tenants`` (batches of firms per
process and connection), by the runner it replaced (one task, one connection and
Alembic's own version-table checks per firm, 4 processes), and by
``migrate_tenants`` again.
Run: ``python bench/migrate.py [firms]`` (default 1000; needs ~2 GB of disk).
"""

import multiprocessing
import shutil
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import bench_app, report, timed
from sqlalchemy import update

from tenants import db
from tenants.migrate import _script_directory, _start_migration_worker, migrate_tenants
from tenants.models import Tenant
from tenants.provision import provision_tenant

REVISION = '''
"""bench: add a column"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade(schema, **kw):
    op.add_column("client_companies", sa.Column("{column}", sa.String(20)), schema=schema)
'''


def scripts_with_column(app, head):
    path = Path(tempfile.mkdtemp()) / "tenant"
    shutil.copytree(app.config["TENANT_MIGRATIONS"], path)
    for n, down in ((1, head), (2, "bench1"), (3, "bench2")):
        (path / "versions" / f"bench{n}.py").write_text(
            textwrap.dedent(REVISION.format(rev=f"bench{n}", down=down, column=f"bench_col{n}"))
        )
    return path


def per_firm_runner(path: Path, firms: list[tuple[str, str]], target: str) -> None:
    """The runner before batching: each firm one task on 4 processes, its own connection."""
    url = db.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(
        4,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_migration_worker,
        initargs=(url, {}),
    ) as pool:
        for future in [
            pool.submit(migrate_one_firm, str(path), slug, schema, target) for slug, schema in firms
        ]:
            future.result()


def migrate_one_firm(path: str, slug: str, schema: str, target: str) -> None:
    from tenants import migrate

    migrate.migrate_tenant(migrate._worker_engine, _script_directory(path), slug, schema, target)


def raw_add_column(firms):
    with db.engine.connect() as conn:
        for slug in firms:
            with conn.begin():
                conn.exec_driver_sql(
                    f'ALTER TABLE "t_{slug}".client_companies ADD COLUMN raw_col varchar(20)'
                )


def main(count: int):
    app = bench_app()
    firms = [f"m{i:04d}" for i in range(count)]
    with app.app_context():
        started = time.perf_counter()
        for slug in firms:
            provision_tenant(slug, slug, host=f"{slug}.bench.test")
        provision_seconds = time.perf_counter() - started
        head = db.session.scalar(db.select(Tenant.schema_version).limit(1))
        noop = timed(migrate_tenants, workers=4)
        db.session.execute(update(Tenant).values(schema_version=None))
        db.session.commit()
        noop_open = timed(migrate_tenants, workers=4)
        path = scripts_with_column(app, head)
        column = timed(migrate_tenants, path=str(path), workers=4, target="bench1")
        schemas = db.session.execute(db.select(Tenant.slug, Tenant.schema_name)).all()
        db.session.commit()
        per_firm = timed(per_firm_runner, path, schemas, "bench2")
        again = timed(migrate_tenants, path=str(path), workers=4, target="bench3")
        raw = timed(raw_add_column, firms)
    report(
        f"Migrating {count} firm schemas",
        [
            ("provisioning them (setup, serial)", f"{provision_seconds:.0f} s"),
            ("no-op migrate (registry check)", f"{noop:.2f} s"),
            ("no-op migrate opening every schema (baseline)", f"{noop_open:.1f} s"),
            ("ratio no-op / opening every schema", f"{noop / noop_open:.3f}×"),
            ("add one column through Alembic, 4 processes", f"{column:.1f} s"),
            (
                "same, one firm per task and connection (the runner before batches)",
                f"{per_firm:.1f} s",
            ),
            ("add one more column through Alembic, 4 processes", f"{again:.1f} s"),
            ("baseline: raw ALTER TABLE, 1 connection", f"{raw:.1f} s"),
            ("ratio Alembic / raw SQL", f"{column / raw:.1f}×, {again / raw:.1f}×"),
            (
                "ratio batched / one firm per task",
                f"{column / per_firm:.2f}×, {again / per_firm:.2f}×",
            ),
        ],
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
