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
