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
        if rule.endpoint.startswith("audit_admin."):
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


def recorded_actions() -> set[str]:
    """Every action the code records: the literal first arguments of ``record_audit``, plus the
    few built from a state or a step."""
    import ast
    from pathlib import Path

    from yk_saas.billing.refunds import ACTION_LABELS as REFUND_STEPS
    from yk_saas.feedback.models import COMPLAINT_STATES

    actions = {f"complaint_{s}" for s in COMPLAINT_STATES}
    actions |= {f"refund_{step}" for step in REFUND_STEPS}
    actions |= {"firm_suspended", "firm_resumed", "order_approved", "order_rejected"}
    for path in Path("yk_saas").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record_audit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                actions.add(node.args[0].value)
    return actions


def test_every_recorded_action_has_words_in_both_languages(app):
    from flask_babel import force_locale

    from yk_saas.audit.labels import ACTION_LABELS

    missing = recorded_actions() - set(ACTION_LABELS)
    assert not missing, f"actions without words in yk_saas/audit/labels.py: {sorted(missing)}"
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        untranslated = [a for a, label in ACTION_LABELS.items() if str(label).isascii()]
    assert not untranslated, untranslated


def test_the_log_reads_in_words_and_its_filter_offers_words(app, firm_a, signed_in):
    admin = signed_in(firm_a, "admin")
    page = admin.get("/desk/admin/audit/?action=sign_in").get_data(as_text=True)
    assert "<td>登录</td>" in page and "<code>sign_in</code>" not in page
    assert '<option value="sign_in" selected>登录</option>' in page
    assert "开始日期" in page and "结束日期" in page and "地址与浏览器" in page
