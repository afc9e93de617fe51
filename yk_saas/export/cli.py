"""``flask tenants export SLUG FILE`` and ``flask tenants import FILE``: one firm's dump and restore."""

from pathlib import Path

import click

from tenants import tenant_context
from tenants.cli import tenants_cli


@tenants_cli.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(slug, file):
    """Dump one firm (every table as JSON, plus its files) into a zip."""
    from yk_saas.export.services import export_firm

    try:
        with tenant_context(slug):
            manifest = export_firm(file)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"exported {slug}: {sum(manifest['rows'].values())} rows, "
        f"{len(manifest['files'])} files → {file}"
    )


@tenants_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="Restore under this subdomain instead of the exported one.")
@click.option("--name", help="The restored firm's name (default: the exported one).")
def import_command(file, slug, name):
    """Create a firm from an export zip (its subdomain must be free)."""
    from tenants.provision import SlugTaken
    from yk_saas.export.services import import_firm

    try:
        firm = import_firm(file, slug=slug, name=name)
    except SlugTaken as exc:
        raise click.ClickException(f"a firm {exc} already exists; use --slug") from exc
    click.echo(f"imported {firm.slug} (schema {firm.schema_name})")
