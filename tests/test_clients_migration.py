"""The t_clients revision brings a firm created before it to exactly what provisioning creates now."""

from sqlalchemy import text, update

from tenants import db
from tenants.migrate import migrate_tenants, tenant_script
from tenants.models import Tenant
from tenants.provision import provision_tenant

NEW_TABLES = (
    "survey_responses",
    "follow_ups",
    "complaint_notes",
    "complaints",
    "tax_filings",
    "ledger_periods",
    "staff_profiles",
    "accountant_changes",
    "client_notes",
    "client_tags",
    "client_contacts",
)
NEW_COLUMNS = (
    "credit_code",
    "industry",
    "size",
    "tax_type",
    "address",
    "source",
    "status",
    "lost_at",
)


def shape(schema):
    """Columns, indexes and constraints of a schema, comparable across schemas."""
    columns = db.session.execute(
        text(
            "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length, column_default "
            "FROM information_schema.columns WHERE table_schema = :s ORDER BY 1, 2"
        ),
        {"s": schema},
    ).all()
    indexes = db.session.execute(
        text(
            "SELECT tablename, indexname, replace(indexdef, :s || '.', '') FROM pg_indexes "
            "WHERE schemaname = :s ORDER BY 1, 2"
        ),
        {"s": schema},
    ).all()
    constraints = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, replace(pg_get_constraintdef(oid), :s || '.', '') "
            "FROM pg_constraint WHERE connamespace = CAST(:s AS regnamespace) ORDER BY 2"
        ),
        {"s": schema},
    ).all()
    strip = lambda rows: [tuple(str(v).replace(f"{schema}.", "") for v in row) for row in rows]
    return strip(columns), strip(indexes), strip(constraints)


def test_migrating_an_older_firm_gives_the_same_schema_as_a_new_one(app_ctx):
    provision_tenant("migcrmold", "Old CRM", host="migcrm-old.yk.test")
    provision_tenant("migcrmnew", "New CRM", host="migcrm-new.yk.test")
    for table in NEW_TABLES:
        db.session.execute(text(f'DROP TABLE "t_migcrmold".{table}'))
    for column in NEW_COLUMNS:
        db.session.execute(text(f'ALTER TABLE "t_migcrmold".client_companies DROP COLUMN {column}'))
    before = tenant_script().get_revision("t_clients").down_revision
    db.session.execute(
        update(Tenant).where(Tenant.slug == "migcrmold").values(schema_version=before)
    )
    db.session.execute(
        text('UPDATE "t_migcrmold".alembic_version SET version_num = :v'), {"v": before}
    )
    db.session.commit()
    report = migrate_tenants(slugs=["migcrmold"], workers=1, target="t_clients")
    assert report.ok and report.migrated == ["migcrmold"]
    assert shape("t_migcrmold") == shape("t_migcrmnew")
