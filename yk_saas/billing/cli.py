"""``flask billing``: the operator's plan setting and manual runs."""

import click
from flask.cli import AppGroup

from tenants import db, tenant_context

billing_cli = AppGroup("billing", help="Money: platform plans, billing runs, dunning.")


@billing_cli.command("set-plan")
@click.argument("slug")
@click.argument("plan", type=click.Choice(["trial", "monthly"]))
@click.option(
    "--status",
    type=click.Choice(["active", "trialing", "past_due", "cancelled"]),
    default="active",
    show_default=True,
)
def set_plan_command(slug, plan, status):
    """Set a firm's platform plan and status by hand (platforms without Stripe keys)."""
    from yk_saas.billing.subscription import set_plan_by_hand

    with tenant_context(slug):
        set_plan_by_hand(plan, status)
    click.echo(f"{slug}: plan {plan}, status {status}")


@billing_cli.command("run")
@click.argument("slug")
def run_command(slug):
    """Run one firm's billing run now."""
    from yk_saas.billing.services import run_billing

    with tenant_context(slug):
        click.echo(f"{slug}: {run_billing()} new invoices")


@billing_cli.command("dun")
@click.argument("slug")
def dun_command(slug):
    """Run one firm's dunning pass now."""
    from yk_saas.billing.dunning import run_dunning

    with tenant_context(slug):
        sent = run_dunning()
        db.session.commit()
    click.echo(f"{slug}: {sent} reminders")


@billing_cli.command("rotate-merchant-secrets")
@click.argument("slugs", nargs=-1)
def rotate_merchant_secrets_command(slugs):
    """Re-encrypt merchant secrets with the first key of MERCHANT_SECRETS_KEY (every firm,
    or the SLUGS given).

    Each firm is committed on its own; a firm whose secrets no key opens is reported and
    left as it was, and the command then ends with an error.
    """
    from sqlalchemy import select

    from tenants.models import Tenant
    from yk_saas.billing.merchant import MerchantKeyError, merchant_fernet, rotate_merchant_secrets

    try:
        if merchant_fernet() is None:
            raise click.ClickException("MERCHANT_SECRETS_KEY is not set")
    except MerchantKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    slugs = slugs or list(db.session.scalars(select(Tenant.slug).order_by(Tenant.id)))
    failed = []
    for slug in slugs:
        with tenant_context(slug):
            try:
                rows = rotate_merchant_secrets()
            except MerchantKeyError as exc:
                db.session.rollback()
                failed.append(slug)
                click.echo(f"{slug}: {exc}", err=True)
                continue
            db.session.commit()
        click.echo(f"{slug}: {rows} re-encrypted")
    if failed:
        raise click.ClickException(f"not rotated: {', '.join(failed)}")
