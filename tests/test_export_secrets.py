"""Credentials in exports: an owner's export carries none; the operator's backup carries them
encrypted with BACKUP_KEY and gives them back on restore."""

import io
import json
import re
import zipfile

import pytest
from cryptography.fernet import Fernet
from rq.job import Job
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.firms import provision_firm

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
HOOK_SECRET = "f" * 64
#: A firm's payment provider keys as stored: encrypted with MERCHANT_SECRETS_KEY.
MERCHANT_BLOB = Fernet(Fernet.generate_key()).encrypt(b'{"app_private_key": "k"}').decode()


def arm_secrets(app, slug):
    """Give the admin a second factor and a pending reset link, and the firm a gateway secret."""
    from datetime import timedelta

    from yk_saas.accounts.models import PasswordReset, User
    from yk_saas.billing.models import MerchantSettings
    from yk_saas.models_base import utcnow
    from yk_saas.notifications.models import NotificationWebhook

    with app.app_context(), tenant_context(slug):
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        admin.totp_secret = TOTP_SECRET
        db.session.add(NotificationWebhook(url="https://gw.example.com/hook", secret=HOOK_SECRET))
        db.session.add(
            MerchantSettings(
                provider="alipay", fields={"app_id": "2021000000000000"}, secret_blob=MERCHANT_BLOB
            )
        )
        db.session.add(
            PasswordReset(
                user_id=admin.id, token_hash="a" * 64, expires_at=utcnow() + timedelta(hours=1)
            )
        )
        db.session.commit()
        return {u.email: u.password_hash for u in db.session.scalars(select(User))}


def credentials(app, slug):
    from yk_saas.accounts.models import User
    from yk_saas.notifications.models import NotificationWebhook

    with app.app_context(), tenant_context(slug):
        users = {
            u.email: (u.password_hash, u.totp_secret) for u in db.session.scalars(select(User))
        }
        return users, db.session.scalar(select(NotificationWebhook.secret))


@pytest.fixture(scope="module")
def secret_firm(app):
    firm = provision_firm(app, "secretsrc", "SECRETSRC")
    firm["hashes"] = arm_secrets(app, "secretsrc")
    return firm


def test_owner_export_holds_no_password_hash_totp_secret_reset_link_or_gateway_key(
    app, secret_firm, signed_in, redis, host_client, tmp_path
):
    owner = signed_in(secret_firm, "owner")
    started = owner.post("/desk/admin/export/", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    token = re.search(r"/desk/admin/export/([0-9a-f]{32})/progress", started).group(1)
    with app.app_context():
        Job.fetch(f"export-secretsrc-{token}", connection=redis).perform()
    data = owner.get(f"/desk/admin/export/{token}/download").data
    archive = zipfile.ZipFile(io.BytesIO(data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"$argon2" not in everything
    assert TOTP_SECRET.encode() not in everything and HOOK_SECRET.encode() not in everything
    assert MERCHANT_BLOB.encode() not in everything
    merchants = json.loads(archive.read("tables/billing_merchant_settings.json"))
    assert [(m["fields"], m["secret_blob"]) for m in merchants] == [
        ({"app_id": "2021000000000000"}, None)
    ]
    for password_hash in secret_firm["hashes"].values():
        assert password_hash.encode() not in everything
    users = json.loads(archive.read("tables/users.json"))
    assert users and all(u["password_hash"] is None and u["totp_secret"] is None for u in users)
    assert json.loads(archive.read("tables/password_resets.json")) == []
    assert json.loads(archive.read("tables/user_sessions.json")) == []
    assert json.loads(archive.read("manifest.json"))["secrets"] is False

    # Restored from the owner's export, nobody signs in with the old password: each person
    # sets a new one through "forgot password"; the gateway gets a fresh key.
    dump = tmp_path / "owner.zip"
    dump.write_bytes(data)
    result = app.test_cli_runner().invoke(
        args=["tenants", "import", str(dump), "--slug", "secretown"]
    )
    assert result.exit_code == 0, result.output
    assert "Forgot password" in result.output
    users, hook_secret = credentials(app, "secretown")
    assert {h for h, _ in users.values()} == {"!"} and {t for _, t in users.values()} == {None}
    assert len(hook_secret) == 64 and hook_secret != HOOK_SECRET
    client = host_client("secretown.yk.test")
    assert client.login(secret_firm["owner"], PASSWORD).status_code != 302
    assert client.post("/password/forgot", {"email": secret_firm["owner"]}).status_code < 400
    from yk_saas.accounts.models import PasswordReset

    with app.app_context(), tenant_context("secretown"):
        assert db.session.scalar(select(PasswordReset.id)), "a reset link is on its way"


def test_operator_backup_is_encrypted_and_round_trips_every_secret(
    app, secret_firm, monkeypatch, host_client, tmp_path
):
    runner = app.test_cli_runner()
    dump = tmp_path / "ops.bak"
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    refused = runner.invoke(args=["tenants", "export", "secretsrc", str(dump)])
    assert refused.exit_code != 0 and "BACKUP_KEY" in refused.output and not dump.exists()
    monkeypatch.setenv("BACKUP_KEY", "not-a-key")
    assert runner.invoke(args=["tenants", "export", "secretsrc", str(dump)]).exit_code != 0

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("BACKUP_KEY", key)
    result = runner.invoke(args=["tenants", "export", "secretsrc", str(dump)])
    assert result.exit_code == 0, result.output
    raw = dump.read_bytes()
    assert not zipfile.is_zipfile(dump)
    assert b"$argon2" not in raw and TOTP_SECRET.encode() not in raw
    assert zipfile.is_zipfile(io.BytesIO(Fernet(key.encode()).decrypt(raw)))

    # Not readable without the key, nor with another one; nothing is created.
    monkeypatch.delenv("BACKUP_KEY")
    result = runner.invoke(args=["tenants", "import", str(dump), "--slug", "secretops"])
    assert result.exit_code != 0 and "BACKUP_KEY" in result.output
    monkeypatch.setenv("BACKUP_KEY", Fernet.generate_key().decode())
    result = runner.invoke(args=["tenants", "import", str(dump), "--slug", "secretops"])
    assert result.exit_code != 0 and "wrong key" in result.output
    assert host_client("secretops.yk.test").get("/login").status_code == 404

    monkeypatch.setenv("BACKUP_KEY", key)
    result = runner.invoke(args=["tenants", "import", str(dump), "--slug", "secretops"])
    assert result.exit_code == 0, result.output
    assert credentials(app, "secretops") == credentials(app, "secretsrc")
    users, hook_secret = credentials(app, "secretops")
    assert users[secret_firm["admin"]][1] == TOTP_SECRET and hook_secret == HOOK_SECRET
    from yk_saas.billing.models import MerchantSettings

    with app.app_context(), tenant_context("secretops"):
        assert db.session.scalar(select(MerchantSettings.secret_blob)) == MERCHANT_BLOB
    # Sign-in still works with the restored hash (the second factor is asked for).
    client = host_client("secretops.yk.test")
    assert client.login(secret_firm["client_x"], PASSWORD).status_code == 302


def test_plain_operator_backup_only_when_asked(app, secret_firm, monkeypatch, tmp_path):
    monkeypatch.delenv("BACKUP_KEY", raising=False)
    dump = tmp_path / "plain.zip"
    result = app.test_cli_runner().invoke(
        args=["tenants", "export", "secretsrc", str(dump), "--plain"]
    )
    assert result.exit_code == 0 and "unencrypted" in result.output
    users = json.loads(zipfile.ZipFile(dump).read("tables/users.json"))
    assert {u["password_hash"] for u in users} == set(secret_firm["hashes"].values())
