"""The t_work revision gives an existing firm exactly the tables a new firm gets."""

from sqlalchemy import text, update

from tenants import db
from tenants.migrate import migrate_tenants, tenant_script
from tenants.models import Tenant
from tests.support.work import new_firm

TABLES = (
    "catalog_categories",
    "catalog_services",
    "work_settings",
    "staff_availability",
    "work_items",
    "work_entries",
    "work_ratings",
)


def shape(schema):
    columns = db.session.execute(
        text(
            "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = :s AND table_name = ANY(:t) "
            "ORDER BY 1, 2"
        ),
        {"s": schema, "t": list(TABLES)},
    ).all()
    indexes = db.session.execute(
        text(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = :s AND tablename = ANY(:t) "
            "ORDER BY 1, 2"
        ),
        {"s": schema, "t": list(TABLES)},
    ).all()
    constraints = db.session.execute(
        text(
            "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = :s AND conrelid::regclass::text LIKE ANY(:t) ORDER BY 1"
        ),
        {"s": schema, "t": [f"%{t}" for t in TABLES]},
    ).all()
    return columns, indexes, constraints


def test_an_existing_firm_is_migrated_to_the_same_tables_as_a_new_one(app_ctx):
    new_firm(app_ctx, "wmig")
    new_firm(app_ctx, "wfresh")
    expected = shape("t_wfresh")
    for table in reversed(TABLES):
        db.session.execute(text(f'DROP TABLE "t_wmig".{table} CASCADE'))
    before = tenant_script().get_revision("t_work").down_revision
    db.session.execute(text('UPDATE "t_wmig".alembic_version SET version_num = :v'), {"v": before})
    db.session.execute(update(Tenant).where(Tenant.slug == "wmig").values(schema_version=before))
    db.session.commit()
    report = migrate_tenants(slugs=["wmig"], workers=1, target="t_work")
    assert report.ok and report.migrated == ["wmig"]
    assert shape("t_wmig") == expected
    assert (
        db.session.scalar(text('SELECT timeout_policy FROM "t_wmig".work_settings')) == "escalate"
    )
