"""The t_accounts revision gives a firm created before it the tables of a new firm, and masks
the links that old outbox messages kept in clear."""

from sqlalchemy import text, update

from tenants import db
from tenants.migrate import migrate_tenants, tenant_script
from tenants.models import Tenant
from tenants.provision import provision_tenant
from yk_saas.seeding import seed_new_firm

TABLES = ("users", "user_sessions", "outbox_emails")


def shape(schema):
    return sorted(
        db.session.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = ANY(:t)"
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


def test_old_firm_gets_sessions_and_its_kept_links_masked(app_ctx):
    provision_tenant("accold", "Old", host="accold.yk.test", seed=seed_new_firm)
    provision_tenant("accnew", "New", host="accnew.yk.test", seed=seed_new_firm)
    link = "http://accold.yk.test/password/reset/Secret-Token_123"
    with db.engine.begin() as conn:
        conn.exec_driver_sql('DROP TABLE "t_accold".user_sessions')
        conn.exec_driver_sql(
            'ALTER TABLE "t_accold".outbox_emails DROP COLUMN secret_text, DROP COLUMN secret_html'
        )
        conn.exec_driver_sql(
            'ALTER TABLE "t_accold".users ADD COLUMN failed_logins integer, '
            "ADD COLUMN locked_until timestamp with time zone"
        )
        conn.exec_driver_sql(
            'INSERT INTO "t_accold".outbox_emails (to_address, subject, body_text, body_html, kind, '
            "status, attempts, created_at) VALUES ('a@example.com', 'Reset', %s, %s, "
            "'password_reset', 'outbox', 1, now())",
            (f"Open {link}\n", f'<a href="{link}">x</a>'),
        )
        before = tenant_script().get_revision("t_accounts").down_revision
        conn.exec_driver_sql(f"UPDATE \"t_accold\".alembic_version SET version_num = '{before}'")
        conn.execute(update(Tenant).where(Tenant.slug == "accold").values(schema_version=before))
    report = migrate_tenants(slugs=["accold"], workers=1, target="t_accounts")
    assert report.ok, report.failed
    assert shape("t_accold") == shape("t_accnew")
    assert constraints("t_accold") == constraints("t_accnew")
    body, html, secret = db.session.execute(
        text('SELECT body_text, body_html, secret_text FROM "t_accold".outbox_emails')
    ).one()
    assert "Secret-Token_123" not in body + html and "/password/reset/••••••" in body
    assert link in secret
