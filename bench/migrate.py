"""``tenants migrate`` over many firm schemas: nothing to do, and one added column.

Baselines in the same run: raw ``ALTER TABLE … ADD COLUMN`` over every schema
on one connection (one transaction per firm), and a no-op run that opens every
schema (what a migrate without the registry's revision column has to do).
Run: ``python bench/migrate.py [firms]`` (default 1000; needs ~2 GB of disk).
"""

import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import bench_app, report, timed
from sqlalchemy import update

from tenants import db
from tenants.migrate import migrate_tenants
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
    (path / "versions" / "bench1.py").write_text(
        textwrap.dedent(REVISION.format(rev="bench1", down=head, column="bench_col"))
    )
    return path


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
        column = timed(migrate_tenants, path=str(path), workers=4)
        raw = timed(raw_add_column, firms)
    report(
        f"Migrating {count} firm schemas",
        [
            ("provisioning them (setup, serial)", f"{provision_seconds:.0f} s"),
            ("no-op migrate (registry check)", f"{noop:.2f} s"),
            ("no-op migrate opening every schema (baseline)", f"{noop_open:.1f} s"),
            ("ratio no-op / opening every schema", f"{noop / noop_open:.3f}×"),
            ("add one column through Alembic, 4 processes", f"{column:.1f} s"),
            ("baseline: raw ALTER TABLE, 1 connection", f"{raw:.1f} s"),
            ("ratio Alembic / raw SQL", f"{column / raw:.1f}×"),
        ],
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
