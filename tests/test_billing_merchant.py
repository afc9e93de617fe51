"""A firm's merchant accounts: secrets encrypted at rest, write-only on the page, rotated by key."""

import io
import logging
import zipfile

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tenants import db
from tests.support.work import firm as in_firm
from yk_saas.audit.models import AuditEntry
from yk_saas.billing import merchant
from yk_saas.billing.models import MerchantSettings

API_KEY = "k3yV3-0123456789abcdefABCDEF-9876"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


def wechat_form(**changes):
    return {
        "provider": "wechat_pay",
        "wechat_pay-mch_id": "1900000109",
        "wechat_pay-app_id": "wx8888888888888888",
        "wechat_pay-api_v3_key": API_KEY,
        "wechat_pay-private_key": PEM,
        **changes,
    }


def stored_row(app, slug, provider="wechat_pay"):
    with in_firm(app, slug):
        row = db.session.scalar(
            select(MerchantSettings).where(MerchantSettings.provider == provider)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def test_without_a_key_no_secret_is_stored_and_clients_are_told_to_transfer(
    app, fresh_firm, signed_in, make_invoice, monkeypatch
):
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", "")
    admin = signed_in(fresh_firm, "admin")
    page = admin.get("/desk/admin/billing/settings").get_data(as_text=True)
    assert 'id="no-secret-key"' in page and 'name="wechat_pay-api_v3_key"' not in page
    refused = admin.post("/desk/admin/billing/merchant", wechat_form())
    assert refused.status_code == 422
    assert stored_row(app, fresh_firm["slug"]) is None
    with in_firm(app, fresh_firm["slug"]):
        assert merchant.configured_channels() == []
    invoice_id = make_invoice(fresh_firm, fresh_firm["ids"]["company_x"])
    portal = signed_in(fresh_firm, "client_x").get(f"/portal/billing/invoices/{invoice_id}")
    html = portal.get_data(as_text=True)
    assert 'id="pay-offline"' in html and 'id="bank-details"' in html
    assert "Pay now" not in html


def test_secrets_are_encrypted_write_only_and_kept_when_left_blank(
    app, fresh_firm, signed_in, monkeypatch, caplog
):
    key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", key)
    admin = signed_in(fresh_firm, "admin")
    bad = admin.post("/desk/admin/billing/merchant", wechat_form(**{"wechat_pay-mch_id": "19x"}))
    assert bad.status_code == 422 and API_KEY not in bad.get_data(as_text=True)
    assert stored_row(app, fresh_firm["slug"]) is None

    caplog.set_level(logging.DEBUG)
    assert admin.post("/desk/admin/billing/merchant", wechat_form()).status_code == 302
    row = stored_row(app, fresh_firm["slug"])
    assert row.fields == {"mch_id": "1900000109", "app_id": "wx8888888888888888"}
    assert API_KEY not in row.secret_blob and "PRIVATE KEY" not in row.secret_blob
    assert Fernet(key.encode()).decrypt(row.secret_blob.encode()).decode().count(API_KEY) == 1

    page = admin.get("/desk/admin/billing/settings").get_data(as_text=True)
    assert "…9876" in page and "…AASC" in page
    assert API_KEY not in page and "MIIEvQ" not in page and API_KEY[:-4] not in page

    # Blank secrets keep what is stored; a new one replaces only itself.
    blank = wechat_form(**{"wechat_pay-api_v3_key": "", "wechat_pay-private_key": ""})
    assert admin.post("/desk/admin/billing/merchant", blank).status_code == 302
    replaced = wechat_form(
        **{"wechat_pay-api_v3_key": "new-key-0000-4321", "wechat_pay-private_key": ""}
    )
    assert admin.post("/desk/admin/billing/merchant", replaced).status_code == 302
    with in_firm(app, fresh_firm["slug"]):
        _fields, secrets = merchant.merchant_credentials("wechat_pay")
        assert secrets == {"api_v3_key": "new-key-0000-4321", "private_key": PEM}
        assert merchant.configured_channels() == ["wechat_pay"]
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "merchant_settings_changed")
        ).all()
        assert [e.details["secrets_changed"] for e in entries] == [
            ["api_v3_key", "private_key"],
            [],
            ["api_v3_key"],
        ]
        assert all(
            API_KEY not in str(e.details) and "PRIVATE" not in str(e.details) for e in entries
        )
    assert API_KEY not in caplog.text and "new-key-0000" not in caplog.text

    # The key removed: secrets cannot be read, so the channel is off and nothing leaks.
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", "")
    with in_firm(app, fresh_firm["slug"]):
        assert merchant.configured_channels() == []
    # Another key (not the one they were written with): still off, and the page says so.
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", Fernet.generate_key().decode())
    with in_firm(app, fresh_firm["slug"]):
        assert merchant.merchant_credentials("wechat_pay") is None
    page = admin.get("/desk/admin/billing/settings").get_data(as_text=True)
    assert "…4321" not in page and 'id="merchant-wechat_pay"' in page


def test_rotation_reencrypts_every_firm_with_the_first_key(app, fresh_firm, signed_in, monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", old)
    admin = signed_in(fresh_firm, "admin")
    assert admin.post("/desk/admin/billing/merchant", wechat_form()).status_code == 302
    before = stored_row(app, fresh_firm["slug"]).secret_blob

    runner = app.test_cli_runner()
    rotate = ["billing", "rotate-merchant-secrets", fresh_firm["slug"]]
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", "")
    result = runner.invoke(args=rotate)
    assert result.exit_code != 0 and "MERCHANT_SECRETS_KEY" in result.output
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", "not-a-key")
    assert runner.invoke(args=rotate).exit_code != 0

    # Both keys: read with either, written with the first.
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", f"{new}, {old}")
    with in_firm(app, fresh_firm["slug"]):
        assert merchant.merchant_credentials("wechat_pay")[1]["api_v3_key"] == API_KEY
    result = runner.invoke(args=rotate)
    assert result.exit_code == 0, result.output
    assert f"{fresh_firm['slug']}: 1 re-encrypted" in result.output
    after = stored_row(app, fresh_firm["slug"]).secret_blob
    assert after != before
    # Every firm when none is named (other firms here hold secrets under other keys).
    everyone = runner.invoke(args=["billing", "rotate-merchant-secrets"])
    assert f"{fresh_firm['slug']}: 1 re-encrypted" in everyone.output
    after = stored_row(app, fresh_firm["slug"]).secret_blob
    assert Fernet(new.encode()).decrypt(after.encode()).decode().count(API_KEY) == 1

    # The old key dropped: the secrets still open.
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", new)
    with in_firm(app, fresh_firm["slug"]):
        assert merchant.merchant_credentials("wechat_pay")[1]["private_key"] == PEM
    # Only the old key: nothing opens, the command says which firm and changes nothing.
    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", old)
    result = runner.invoke(args=rotate)
    assert result.exit_code != 0 and fresh_firm["slug"] in result.output
    assert stored_row(app, fresh_firm["slug"]).secret_blob == after


def test_an_owners_export_carries_no_merchant_secret(
    app, fresh_firm, signed_in, monkeypatch, tmp_path
):
    from yk_saas.export.services import export_firm

    monkeypatch.setitem(app.config, "MERCHANT_SECRETS_KEY", Fernet.generate_key().decode())
    admin = signed_in(fresh_firm, "admin")
    assert admin.post("/desk/admin/billing/merchant", wechat_form()).status_code == 302
    blob = stored_row(app, fresh_firm["slug"]).secret_blob
    path = tmp_path / "owner.zip"
    with in_firm(app, fresh_firm["slug"]):
        export_firm(path)
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert blob.encode() not in everything and API_KEY.encode() not in everything
    assert b"1900000109" in everything  # the identifiers are not secret


@pytest.mark.parametrize("provider", ["stripe", ""])
def test_an_unknown_provider_is_not_found(app, fresh_firm, signed_in, provider):
    admin = signed_in(fresh_firm, "admin")
    assert admin.post("/desk/admin/billing/merchant", {"provider": provider}).status_code == 404
    assert (
        signed_in(fresh_firm, "accountant")
        .post("/desk/admin/billing/merchant", wechat_form())
        .status_code
        == 403
    )
