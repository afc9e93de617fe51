"""Commands: ``flask tenants create`` (the rest of ``flask tenants`` is in tenants/) and ``flask demo``."""

import click

from tenants.cli import tenants_cli


@tenants_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The firm's name.")
@click.option("--owner-email", required=True)
@click.option("--owner-name", default="Owner", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
def create_command(slug, name, owner_email, owner_name, password, locale):
    """Create a firm with its owner, as online signup does."""
    from yk_saas.platform.services import FirmSignup, signup_firm, signup_problems

    form = FirmSignup(
        firm_name=name,
        slug=slug,
        owner_name=owner_name,
        email=owner_email,
        password=password,
        locale=locale,
    )
    problems = signup_problems(form)
    if problems:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in problems.items()))
    firm, _owner = signup_firm(form)
    click.echo(f"created {firm.slug} (schema {firm.schema_name})")


@click.command("demo")
def demo_command():
    """Create the demo firms (idempotent) and print their addresses and logins."""
    from yk_saas.demo import print_demo_logins, seed_demo

    print_demo_logins(seed_demo())


@click.command("init-db")
def init_db_command():
    """Create or upgrade the public registry schema."""
    from tenants.migrate import upgrade_public

    upgrade_public()
    click.echo("public schema is current")


def register(app) -> None:
    from yk_saas.billing.cli import billing_cli
    from yk_saas.export import cli as export_cli
    from yk_saas.mail.cli import mail_cli
    from yk_saas.operators.cli import operators_cli

    export_cli.add_commands(tenants_cli)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(billing_cli)
    app.cli.add_command(operators_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(init_db_command)
