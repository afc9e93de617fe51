"""The audit log: each sensitive action writes one entry; nothing can edit or delete them."""

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tenants import db, tenant_context
from yk_saas.audit.models import AuditEntry

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def count(app, slug, action):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
        )


@pytest.mark.parametrize(
    "action, perform",
    [
        ("sign_in", lambda c: (c.post("/logout"), c.login("owner@alpha.example.com"))),
        (
            "firm_settings_changed",
            lambda c: c.post(
                "/desk/settings",
                {"name": "Alpha Firm", "locale": "zh_CN", "timezone": "Asia/Shanghai"},
            ),
        ),
        (
            "branding_changed",
            lambda c: c.post(
                "/desk/admin/site/branding/", {"primary": "#1d5fd1", "accent": "#0f2f66"}
            ),
        ),
        ("site_published", lambda c: c.post("/desk/admin/site/publish")),
        (
            "invitation_sent",
            lambda c: c.post(
                "/desk/admin/accounts/invite",
                {"email": "audit-new@alpha.example.com", "role": "accountant"},
            ),
        ),
        ("audit_exported", lambda c: c.get("/desk/admin/audit/export.csv").get_data()),
        (
            "notification_gateway_changed",
            lambda c: c.post(
                "/notifications/gateway", {"url": "https://127.0.0.1:9/hook", "enabled": ""}
            ),
        ),
    ],
)
def test_each_sensitive_action_writes_one_entry(
    app, firm_a, signed_in, monkeypatch, action, perform
):
    # The gateway's address must pass the outbound rule; this machine resolves no public name.
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", "127.0.0.1:9")
    client = signed_in(firm_a, "owner")
    before = count(app, "alpha", action)
    perform(client)
    assert count(app, "alpha", action) == before + 1


def test_deleting_a_site_item_is_audited(app, firm_a, signed_in):
    owner = signed_in(firm_a, "owner")
    owner.post("/desk/admin/site/pages", {"slug": "audit-gone", "title": "Gone soon"})
    with app.app_context(), tenant_context("alpha"):
        from yk_saas.site.models import SitePage

        page_id = db.session.scalar(select(SitePage.id).where(SitePage.slug == "audit-gone"))
    before = count(app, "alpha", "site_item_deleted")
    owner.post(f"/desk/admin/site/page/{page_id}/delete")
    assert count(app, "alpha", "site_item_deleted") == before + 1


def test_admin_filters_and_exports_with_ip_and_user_agent(app, firm_a, signed_in):
    admin = signed_in(firm_a, "admin")
    page = admin.get("/desk/admin/audit/?action=sign_in&actor=admin@alpha").get_data(as_text=True)
    assert "admin@alpha.example.com" in page and "owner@alpha.example.com" not in page
    csv = admin.get("/desk/admin/audit/export.csv?action=sign_in").get_data(as_text=True)
    assert csv.startswith("\ufeffid,at,actor_id") and "sign_in" in csv and "127.0.0.1" in csv
    assert "firm_settings_changed" not in csv


def test_no_route_edits_or_deletes_entries_and_the_database_refuses(app, firm_a, signed_in):
    for rule in app.url_map.iter_rules():
        assert not ({"PUT", "PATCH", "DELETE"} & rule.methods), rule
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    signed_in(firm_a, "admin")
    with app.app_context(), tenant_context("alpha"):
        for statement in (
            update(AuditEntry).values(action="x"),
            delete(AuditEntry),
            text('TRUNCATE "t_alpha".audit_entries'),
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(statement)
            db.session.rollback()


def test_accountants_and_clients_cannot_read_the_log(app, firm_a, signed_in):
    assert signed_in(firm_a, "accountant").get("/desk/admin/audit/").status_code == 403
    assert signed_in(firm_a, "client_x").get("/desk/admin/audit/export.csv").status_code == 403
