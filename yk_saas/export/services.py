"""A whole firm as one zip (JSON per table, plus its files), and back again.

The zip holds ``manifest.json`` (firm settings, schema revision, table order),
``tables/<table>.json`` (a list of rows) and ``files/<key>`` (stored uploads).
Restoring provisions a new firm from it in one transaction.
"""

import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Date, DateTime, bindparam, func, select, text
from sqlalchemy.orm import Session

from tenants import TenantInfo, current_tenant, db
from tenants.db import tenant_tables
from tenants.naming import quote_schema
from yk_saas.models_base import utcnow

FORMAT = 1
Progress = Callable[[int, str], None]
SETTINGS = ("locale", "timezone", "currency", "plan", "branding")


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot export {type(value).__name__}")


#: Secrets meant for one person (links in mail) stay out of every export, and signed-in
#: sessions belong to this server, not to a copy of the firm.
WITHHELD = {"outbox_emails": ("secret_text", "secret_html")}
NOT_EXPORTED = {"user_sessions"}
#: Credentials that only the operator's encrypted backup carries: an owner must not be able
#: to hand out staff passwords, second factors, live reset links, the gateway's signing key
#: or the firm's payment provider keys (encrypted, but with a key the owner may hold too).
CREDENTIALS = {
    "users": ("password_hash", "totp_secret"),
    "notification_webhooks": ("secret",),
    "billing_merchant_settings": ("secret_blob",),
}
CREDENTIAL_TABLES = {"password_resets"}
#: Never a valid argon2 hash: an account restored from an owner's export has no password
#: until its person uses "forgot password".
NO_PASSWORD = "!"


def withhold(table: str, row: dict, with_secrets: bool = False) -> dict:
    for column in WITHHELD.get(table, ()):
        row[column] = None
    if not with_secrets:
        for column in CREDENTIALS.get(table, ()):
            row[column] = None
    return row


def _exported_rows(table, with_secrets: bool) -> list[dict]:
    if table.name in NOT_EXPORTED or (table.name in CREDENTIAL_TABLES and not with_secrets):
        return []
    order = [table.c.id] if "id" in table.c else []
    return [
        withhold(table.name, dict(r), with_secrets)
        for r in db.session.execute(select(table).order_by(*order)).mappings()
    ]


def export_firm(path: Path, progress: Progress | None = None, with_secrets: bool = False) -> dict:
    """Write the bound firm's data and files to the zip at ``path``; returns the manifest.

    Without ``with_secrets`` (the owner's export) password hashes, TOTP secrets, reset links
    and the gateway secret are left out; only the operator's backup asks for them.
    """
    from tenants.models import Tenant
    from yk_saas.files.models import StoredFile
    from yk_saas.files.services import firm_folder

    firm = current_tenant()
    tenant = db.session.get(Tenant, firm.id)
    tables = tenant_tables()
    keys = list(db.session.scalars(select(StoredFile.key)))
    steps = max(1, len(tables) + len(keys))
    done = 0
    manifest = {
        "format": FORMAT,
        "slug": firm.slug,
        "name": firm.name,
        "settings": {k: getattr(tenant, k) for k in SETTINGS},
        "schema_version": tenant.schema_version,
        "exported_at": utcnow().isoformat(),
        "secrets": with_secrets,
        "tables": [t.name for t in tables],
        "rows": {},
        "files": [],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            rows = _exported_rows(table, with_secrets)
            archive.writestr(
                f"tables/{table.name}.json",
                json.dumps(rows, ensure_ascii=False, default=_json_default),
            )
            manifest["rows"][table.name] = len(rows)
            done += 1
            if progress:
                progress(done * 100 // steps, table.name)
        for key in keys:
            source = firm_folder() / key
            if source.exists():
                archive.write(source, f"files/{key}")
                manifest["files"].append(key)
            done += 1
            if progress and done % 20 == 0:
                progress(done * 100 // steps, key)
        archive.writestr(
            "manifest.json", json.dumps(manifest, ensure_ascii=False, default=_json_default)
        )
    if progress:
        progress(100, "")
    return manifest


def read_manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise ValueError("not a firm export of a known format")
    return manifest


def _fill_withheld(table_name: str, row: dict) -> dict:
    """Stand-ins for credentials an owner's export left out (the columns are NOT NULL)."""
    if table_name == "users" and row.get("password_hash") is None:
        row["password_hash"] = NO_PASSWORD
    if table_name == "notification_webhooks" and row.get("secret") is None:
        from yk_saas.notifications.webhook import new_secret

        row["secret"] = new_secret()
    return row


def _revive(table, row: dict) -> dict:
    """Row values back to Python types where JSON could not carry them."""
    row = _fill_withheld(table.name, row)
    out = {}
    for name, value in row.items():
        if name not in table.c:
            continue
        column_type = table.c[name].type
        if value is not None and isinstance(column_type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        out[name] = value
    return out


def load_rows(session: Session, firm: TenantInfo, archive: zipfile.ZipFile, manifest: dict) -> None:
    """Insert every exported row into the new firm's schema and move its id sequences on.

    Tables go in dependency order. A foreign key that points forward or back at its own table
    (users ↔ client companies, replies to replies) cannot be satisfied row by row, so such
    columns are inserted empty and filled in once every row is in.
    """
    from yk_saas.audit.services import install_append_only_trigger
    from yk_saas.billing.bindings import rebind_restored_firm

    schema = quote_schema(firm.schema_name)
    present = set(archive.namelist())
    tables = [t for t in tenant_tables() if f"tables/{t.name}.json" in present]
    position = {t.name: n for n, t in enumerate(tables)}
    fill_later = []
    for table in tables:
        rows = [_revive(table, r) for r in json.loads(archive.read(f"tables/{table.name}.json"))]
        late = sorted(
            {
                fk.parent.name
                for fk in table.foreign_keys
                if position.get(fk.column.table.name, -1) >= position[table.name]
            }
        )
        if late and rows and "id" in table.c:
            fill_later.append(
                (table, late, [r for r in rows if any(r.get(c) is not None for c in late)])
            )
            rows = [{**r, **dict.fromkeys(late)} for r in rows]
        if rows:
            session.execute(table.insert(), rows)
        if "id" in table.c and rows:
            top = session.scalar(select(func.max(table.c.id)))
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{schema}.{table.name}', 'id'), :n)"),
                {"n": top},
            )
    for table, late, rows in fill_later:
        if rows:
            statement = (
                table.update()
                .where(table.c.id == bindparam("row_id"))
                .values({c: bindparam(f"new_{c}") for c in late})
            )
            session.execute(
                statement,
                [{"row_id": r["id"], **{f"new_{c}": r.get(c) for c in late}} for r in rows],
            )
    install_append_only_trigger(session.connection(), firm.schema_name)
    rebind_restored_firm(session, firm.id)


def import_firm(path: Path, slug: str | None = None, name: str | None = None) -> TenantInfo:
    """Create a firm (``slug``, default the exported one) from an export zip."""
    from tenants.provision import provision_tenant
    from yk_saas.platform.services import firm_host

    manifest = read_manifest(path)
    slug = slug or manifest["slug"]
    settings = dict(manifest["settings"])
    with zipfile.ZipFile(path) as archive:
        info = provision_tenant(
            slug,
            name or manifest["name"],
            host=firm_host(slug),
            seed=lambda session, firm: load_rows(session, firm, archive, manifest),
            **settings,
        )
        _restore_files(archive, info, manifest["files"])
    return info


def _restore_files(archive: zipfile.ZipFile, firm: TenantInfo, keys: list[str]) -> None:
    from yk_saas.files.services import storage_root

    folder = storage_root() / firm.schema_name
    folder.mkdir(parents=True, exist_ok=True)
    for key in keys:
        if "/" in key or "\\" in key or key.startswith("."):
            continue
        (folder / key).write_bytes(archive.read(f"files/{key}"))
