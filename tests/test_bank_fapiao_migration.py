"""The t_bank_merchant_fapiao revision gives a firm created before it the bank columns, the
merchant settings and the fapiao tables of a new firm."""

from sqlalchemy import text, update

from tenants import db
from tenants.migrate import migrate_tenants, tenant_script
from tenants.models import Tenant
from tenants.provision import provision_tenant
from yk_saas.seeding import seed_new_firm

TABLES = (
    "billing_settings",
    "billing_merchant_settings",
    "billing_fapiao_profiles",
    "billing_fapiao",
)


def shape(schema):
    return sorted(
        db.session.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable, character_maximum_length "
                "FROM information_schema.columns WHERE table_schema = :s AND table_name = ANY(:t)"
            ),
            {"s": schema, "t": list(TABLES)},
        ).all()
    )


def constraints(schema):
    return sorted(
        db.session.scalars(
            text(
                "SELECT constraint_name FROM information_schema.table_constraints "
                "WHERE table_schema = :s AND table_name = ANY(:t) AND constraint_type <> 'CHECK'"
            ),
            {"s": schema, "t": list(TABLES)},
        )
    )


def indexes(schema):
    return sorted(
        db.session.scalars(
            text("SELECT indexname FROM pg_indexes WHERE schemaname = :s AND tablename = ANY(:t)"),
            {"s": schema, "t": list(TABLES)},
        )
    )


def test_old_firm_gets_bank_merchant_and_fapiao_tables(app_ctx):
    provision_tenant("bankold", "Old", host="bankold.yk.test", seed=seed_new_firm)
    provision_tenant("banknew", "New", host="banknew.yk.test", seed=seed_new_firm)
    before = tenant_script().get_revision("t_bank_merchant_fapiao").down_revision
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            'DROP TABLE "t_bankold".billing_fapiao, "t_bankold".billing_fapiao_profiles, '
            '"t_bankold".billing_merchant_settings'
        )
        conn.exec_driver_sql(
            'ALTER TABLE "t_bankold".billing_settings DROP COLUMN bank_account_name, '
            "DROP COLUMN bank_name, DROP COLUMN bank_branch, DROP COLUMN bank_account_number"
        )
        conn.exec_driver_sql(f"UPDATE \"t_bankold\".alembic_version SET version_num = '{before}'")
        conn.execute(update(Tenant).where(Tenant.slug == "bankold").values(schema_version=before))
    report = migrate_tenants(slugs=["bankold"], workers=1, target="t_bank_merchant_fapiao")
    assert report.ok, report.failed
    assert {row[0] for row in shape("t_banknew")} == set(TABLES)
    assert shape("t_bankold") == shape("t_banknew")
    assert constraints("t_bankold") == constraints("t_banknew")
    assert indexes("t_bankold") == indexes("t_banknew")
