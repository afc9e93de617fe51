"""``flask tenants …``: the lifecycle of firms from the command line."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from tenants.db import db
from tenants.migrate import migrate_tenants, upgrade_public
from tenants.models import Tenant
from tenants.provision import drop_tenant

tenants_cli = AppGroup("tenants", help="Create, list, migrate and drop firms.")


@tenants_cli.command("list")
def list_command():
    """List every firm with its schema, status and revision."""
    rows = db.session.execute(select(Tenant).order_by(Tenant.id)).scalars()
    for t in rows:
        click.echo(
            f"{t.slug:<24} {t.schema_name:<28} {t.status:<10} {t.plan:<8} {t.schema_version or '-'}"
        )
    click.echo(f"{db.session.scalar(select(func.count(Tenant.id)))} firm(s)")


@tenants_cli.command("migrate")
@click.option("--workers", default=4, show_default=True, help="Schemas migrated in parallel.")
@click.option("--slug", "slugs", multiple=True, help="Only these firms (repeatable).")
def migrate_command(workers, slugs):
    """Migrate the public schema, then every firm schema."""
    upgrade_public()
    total = db.session.scalar(select(func.count(Tenant.id))) if not slugs else len(slugs)
    with click.progressbar(length=total, label="Migrating firms", file=sys.stderr) as bar:
        report = migrate_tenants(
            workers=workers, slugs=slugs or None, on_progress=lambda _s: bar.update(1)
        )
    click.echo(
        f"head {report.head}: {len(report.migrated)} migrated, "
        f"{len(report.current)} already current, {len(report.failed)} failed"
    )
    for slug, error in sorted(report.failed.items()):
        click.echo(f"FAILED {slug}: {error}", err=True)
    if not report.ok:
        raise SystemExit(1)


@tenants_cli.command("drop")
@click.argument("slug")
@click.option("--confirm", "confirmation", help="The slug again, to confirm without a prompt.")
def drop_command(slug, confirmation):
    """Drop a firm's schema and registry rows. Asks for the slug again."""
    if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is None:
        raise click.ClickException(f"no firm with slug {slug!r}")
    if confirmation is None:
        confirmation = click.prompt(f"This deletes every record of {slug!r}. Type the slug again")
    if confirmation != slug:
        raise click.ClickException("confirmation did not match; nothing dropped")
    db.session.remove()
    drop_tenant(slug)
    click.echo(f"dropped {slug}")
