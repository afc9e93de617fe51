"""Migrations of many firm schemas: parallel, re-runnable, a broken firm reported."""

import shutil
import textwrap

import pytest
from sqlalchemy import select, text

from tenants import db
from tenants.migrate import migrate_tenants
from tenants.models import Tenant
from tenants.provision import provision_tenant

FIRMS = [f"mig{i:02d}" for i in range(50)]

REVISION = '''
"""{doc}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade(schema, **kw):
    op.add_column("{table}", sa.Column("{column}", sa.String(40)), schema=schema)
'''


def add_revision(versions, rev, down, table, column):
    (versions / f"{rev}.py").write_text(
        textwrap.dedent(
            REVISION.format(
                doc=f"add {table}.{column}", rev=rev, down=down, table=table, column=column
            )
        )
    )


def columns(schema, table):
    return set(
        db.session.scalars(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t"
            ),
            {"s": schema, "t": table},
        )
    )


@pytest.fixture(scope="module")
def fifty_firms(app):
    with app.app_context():
        for slug in FIRMS:
            provision_tenant(slug, slug.upper(), host=f"{slug}.yk.test")
    return FIRMS


@pytest.fixture
def scripts(app, tmp_path):
    path = tmp_path / "tenant"
    shutil.copytree(app.config["TENANT_MIGRATIONS"], path)
    return path


def current_head(scripts):
    """The head the test revisions build on (features add their own after the baseline)."""
    from tenants.migrate import tenant_script

    return tenant_script(str(scripts)).get_current_head()


def test_fifty_schemas_migrate_then_a_rerun_changes_nothing(app_ctx, fifty_firms, scripts):
    add_revision(scripts / "versions", "t9001", current_head(scripts), "client_companies", "region")
    progress = []
    report = migrate_tenants(
        path=str(scripts), slugs=fifty_firms, workers=4, on_progress=progress.append
    )
    assert report.ok and sorted(report.migrated) == sorted(fifty_firms) and len(progress) == 50
    assert all("region" in columns(f"t_{slug}", "client_companies") for slug in fifty_firms)
    versions = set(
        db.session.scalars(select(Tenant.schema_version).where(Tenant.slug.in_(fifty_firms)))
    )
    assert versions == {"t9001"}

    again = migrate_tenants(path=str(scripts), slugs=fifty_firms, workers=4)
    assert again.migrated == [] and sorted(again.current) == sorted(fifty_firms)


def test_a_failing_schema_is_reported_and_the_rest_migrate(app_ctx, fifty_firms, scripts):
    add_revision(scripts / "versions", "t9001", current_head(scripts), "client_companies", "region")
    add_revision(scripts / "versions", "t9002", "t9001", "users", "nickname")
    # One firm already has the column, so its migration fails half-way.
    db.session.execute(text('ALTER TABLE "t_mig07".users ADD COLUMN nickname varchar(5)'))
    db.session.commit()
    report = migrate_tenants(path=str(scripts), slugs=fifty_firms, workers=4)
    assert list(report.failed) == ["mig07"] and "nickname" in report.failed["mig07"]
    assert len(report.migrated) == 49
    broken = db.session.scalar(select(Tenant.schema_version).where(Tenant.slug == "mig07"))
    assert broken != "t9002"  # its transaction was rolled back whole
    assert "nickname" in columns("t_mig03", "users")


def test_cli_migrate_reports_counts(app, firm_a, firm_b):
    result = app.test_cli_runner().invoke(
        args=["tenants", "migrate", "--slug", "alpha", "--slug", "bravo"]
    )
    assert result.exit_code == 0, result.output
    assert "0 migrated, 2 already current, 0 failed" in result.output


def test_cli_drop_asks_for_the_slug_again(app):
    with app.app_context():
        provision_tenant("dropme", "Drop Me", host="dropme.yk.test")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["tenants", "drop", "dropme"], input="dropm\n")
    assert refused.exit_code != 0
    done = runner.invoke(args=["tenants", "drop", "dropme"], input="dropme\n")
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "dropme")) is None
        assert (
            db.session.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = 't_dropme'")) is None
        )
