"""``flask tenants export SLUG FILE`` and ``flask tenants import FILE``: one firm's dump and restore.

The operator's dump carries every secret (password hashes, TOTP secrets, the gateway key), so it
is encrypted with ``BACKUP_KEY``; an unencrypted one is written only when asked with ``--plain``.
"""

import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext

from tenants import tenant_context
from yk_saas.export.backup import (
    BackupKeyError,
    backup_key,
    decrypt_file,
    encrypt_file,
    is_encrypted,
)


@click.command("export")
@with_appcontext
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--plain", is_flag=True, help="Write the backup unencrypted (it holds secrets).")
def export_command(slug, file, plain):
    """Dump one firm (every table as JSON with its secrets, plus its files), encrypted."""
    from yk_saas.export.services import export_firm

    try:
        fernet = None if plain else backup_key()
    except BackupKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fernet is None and not plain:
        raise click.ClickException(
            "the backup holds password hashes and TOTP secrets: set BACKUP_KEY to encrypt it, "
            "or pass --plain to write it unencrypted"
        )
    with tempfile.TemporaryDirectory() as folder:
        zipped = file if plain else Path(folder) / "backup.zip"
        try:
            with tenant_context(slug):
                manifest = export_firm(zipped, with_secrets=True)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
        if fernet is not None:
            encrypt_file(zipped, file, fernet)
    click.echo(
        f"exported {slug}: {sum(manifest['rows'].values())} rows, "
        f"{len(manifest['files'])} files → {file}" + (" (unencrypted)" if plain else " (encrypted)")
    )


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Restore under this subdomain instead of the exported one.")
@click.option("--name", help="The restored firm's name (default: the exported one).")
def import_command(file, slug, name):
    """Create a firm from an export zip or an encrypted backup (its subdomain must be free)."""
    from tenants.provision import SlugTaken
    from yk_saas.export.services import import_firm, read_manifest

    with tempfile.TemporaryDirectory() as folder:
        source = file
        try:
            if is_encrypted(file):
                source = Path(folder) / "backup.zip"
                decrypt_file(file, source)
            with_secrets = read_manifest(source).get("secrets", True)
            firm = import_firm(source, slug=slug, name=name)
        except (BackupKeyError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
        except SlugTaken as exc:
            raise click.ClickException(f"a firm {exc} already exists; use --slug") from exc
    click.echo(f"imported {firm.slug} (schema {firm.schema_name})")
    if not with_secrets:
        click.echo(
            "this was an owner's export without passwords: each person signs in after "
            "'Forgot password' on the sign-in page"
        )


def add_commands(group: click.Group) -> None:
    """Put ``export`` and ``import`` under ``group`` (``flask tenants``)."""
    group.add_command(export_command)
    group.add_command(import_command)
