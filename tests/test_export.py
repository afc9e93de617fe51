"""Whole-firm export: the owner's zip with a progress bar; CLI dump and restore into a working firm."""

import io
import json
import re
import zipfile

import pytest
from rq.job import Job
from sqlalchemy import select, text

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.firms import provision_firm

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def backup_key(monkeypatch):
    """A fresh BACKUP_KEY in the environment, as an operator sets it for ``tenants export``."""
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("BACKUP_KEY", key)
    return key


def test_owner_exports_the_firm_as_a_zip_with_progress(app, firm_a, signed_in, redis):
    owner = signed_in(firm_a, "owner")
    started = owner.post("/desk/admin/export/", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "<progress" in started and "every 1s" in started
    token = re.search(r"/desk/admin/export/([0-9a-f]{32})/progress", started).group(1)
    with app.app_context():
        Job.fetch(f"export-alpha-{token}", connection=redis).perform()
    done = owner.get(f"/desk/admin/export/{token}/progress").get_data(as_text=True)
    assert "Download" in done or "下载" in done
    response = owner.get(f"/desk/admin/export/{token}/download")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["slug"] == "alpha" and "users" in manifest["tables"]
    users = json.loads(archive.read("tables/users.json"))
    assert {u["email"] for u in users} >= {firm_a["owner"], firm_a["client_y"]}
    # Another firm's owner, and the firm's admin, cannot fetch it.
    assert signed_in(firm_a, "admin").get(f"/desk/admin/export/{token}/download").status_code == 403


def test_cli_dump_and_restore_gives_a_working_firm(
    app, signed_in, host_client, tmp_path, backup_key
):
    source = provision_firm(app, "exportsrc", "EXPORTSRC")
    owner = signed_in(source, "owner")
    owner.post(
        "/desk/admin/site/sections",
        {"kind": "rich_text", "title": "Restored welcome", "body": "<p>Hi</p>"},
    )
    owner.post(
        "/desk/admin/site/slides", {"title": "Restored slide", "image": (io.BytesIO(PNG), "s.png")}
    )
    owner.post("/desk/admin/site/publish")
    dump = tmp_path / "exportsrc.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "export", "exportsrc", str(dump)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["tenants", "import", str(dump), "--slug", "exportcopy"])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(args=["tenants", "import", str(dump), "--slug", "exportcopy"]).exit_code != 0
    )

    copy = {**source, "slug": "exportcopy", "host": "exportcopy.yk.test"}
    visitor = host_client(copy["host"])
    home = visitor.get("/").get_data(as_text=True)
    assert "Restored welcome" in home
    image = re.search(r'src="(/site/media/[^"]+)"', home).group(1)
    assert visitor.get(image).data == PNG
    restored_owner = host_client(copy["host"])
    assert restored_owner.login(source["owner"], PASSWORD).status_code == 302
    assert restored_owner.get("/desk/").status_code == 200
    # New rows get fresh ids after the restored ones, and the log stays append-only.
    assert (
        restored_owner.post(
            "/desk/admin/site/sections", {"kind": "about", "title": "After restore"}
        ).status_code
        == 303
    )
    with app.app_context(), tenant_context("exportcopy"):
        from yk_saas.accounts.models import User
        from yk_saas.audit.models import AuditEntry

        assert (
            db.session.scalar(select(User.name).where(User.email == source["client_x"]))
            == "EXPORTSRC Client X"
        )
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "site_published"))
        from sqlalchemy import text

        trigger = db.session.scalar(
            text(
                "SELECT count(*) FROM information_schema.triggers WHERE event_object_schema = 't_exportcopy'"
            )
        )
        assert trigger >= 2


def firm_files(app, schema):
    """sha256 of every stored file of a firm, by storage key."""
    import hashlib
    from pathlib import Path

    folder = Path(app.config["STORAGE_DIR"]) / schema
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def test_backup_drill_dump_drop_restore_gives_every_table_back_identical(
    app, host_client, tmp_path, backup_key
):
    """A firm full of demo data is dumped, dropped and restored: every row of every table and
    every stored file comes back the same, and its people can sign in and work."""
    from dataclasses import replace

    from tests.support.fingerprints import fingerprint
    from yk_saas.demo import DEMO_FIRMS, DEMO_PASSWORD, create_demo_firm

    demo = replace(DEMO_FIRMS[0], slug="drill")
    with app.app_context():
        create_demo_firm(demo)
    before, files_before = fingerprint(app, "t_drill"), firm_files(app, "t_drill")
    assert len(before) >= 40 and files_before, (
        "the drill firm has data in many tables and some files"
    )

    dump = tmp_path / "drill.zip"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tenants", "export", "drill", str(dump)]).exit_code == 0
    result = runner.invoke(args=["tenants", "drop", "drill", "--confirm", "drill"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = 't_drill'"))
            == 0
        )
    assert host_client("drill.yk.test").get("/login").status_code == 404

    result = runner.invoke(args=["tenants", "import", str(dump)])
    assert result.exit_code == 0, result.output
    after = fingerprint(app, "t_drill")
    assert sorted(after) == sorted(before)
    assert [t for t in before if before[t] != after[t]] == [], (
        "tables that differ after the restore"
    )
    assert firm_files(app, "t_drill") == files_before

    owner = host_client("drill.yk.test")
    assert owner.login(demo.owner[0], DEMO_PASSWORD).status_code == 302
    assert owner.get("/desk/").status_code == 200
    assert (
        owner.post(
            "/desk/admin/site/sections", {"kind": "about", "title": "After the drill"}
        ).status_code
        == 303
    )
