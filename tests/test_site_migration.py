"""The t_site revision gives a firm created before it the same tables as a new firm gets."""

from sqlalchemy import text, update

from tenants import db
from tenants.migrate import migrate_tenants, tenant_script
from tenants.models import Tenant
from tenants.provision import provision_tenant
from yk_saas.seeding import seed_new_firm

NEW_TABLES = (
    "site_slides",
    "site_menu_items",
    "site_sections",
    "site_pages",
    "site_announcements",
    "site_publications",
    "notification_preferences",
    "notification_webhooks",
)


def shape(schema):
    return sorted(
        db.session.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = ANY(:t)"
            ),
            {"s": schema, "t": list(NEW_TABLES)},
        ).all()
    )


def constraints(schema):
    return sorted(
        db.session.scalars(
            text(
                "SELECT constraint_name FROM information_schema.table_constraints "
                "WHERE table_schema = :s AND table_name = ANY(:t) AND constraint_type <> 'CHECK'"
            ),
            {"s": schema, "t": list(NEW_TABLES)},
        )
    )


def test_old_firm_migrates_to_the_same_tables_and_trigger(app_ctx):
    provision_tenant("migold", "Old", host="migold.yk.test", seed=seed_new_firm)
    provision_tenant("mignew", "New", host="mignew.yk.test", seed=seed_new_firm)
    with db.engine.begin() as conn:
        for table in NEW_TABLES:
            conn.exec_driver_sql(f'DROP TABLE "t_migold".{table} CASCADE')
        conn.exec_driver_sql('DROP FUNCTION "t_migold".audit_entries_append_only() CASCADE')
        before = tenant_script().get_revision("t_site").down_revision
        conn.exec_driver_sql(f"UPDATE \"t_migold\".alembic_version SET version_num = '{before}'")
        conn.execute(update(Tenant).where(Tenant.slug == "migold").values(schema_version=before))
    report = migrate_tenants(slugs=["migold"], workers=1, target="t_site")
    assert report.ok, report.failed
    assert shape("t_migold") == shape("t_mignew") and len(shape("t_mignew")) > 30
    assert constraints("t_migold") == constraints("t_mignew")
    triggers = "SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = :s"
    assert (
        db.session.scalar(text(triggers), {"s": "t_migold"})
        == db.session.scalar(text(triggers), {"s": "t_mignew"})
        >= 2
    )
