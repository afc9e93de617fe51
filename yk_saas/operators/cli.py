"""``flask operators …``: platform operator accounts."""

import click
from flask.cli import AppGroup

from tenants import db

operators_cli = AppGroup("operators", help="Platform operators of the operator console.")


@operators_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--totp", is_flag=True, help="Also require an authenticator code; prints the secret.")
def create_command(email, name, password, totp):
    """Create an operator who can sign in at /operators on the platform domain."""
    from yk_saas.accounts.passwords import password_problem
    from yk_saas.operators.services import OperatorError, create_operator

    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(str(problem))
    try:
        operator = create_operator(email, password, name, with_totp=totp)
    except OperatorError as exc:
        raise click.ClickException(f"an operator {email} already exists") from exc
    db.session.commit()
    click.echo(f"created operator {operator.email}")
    if operator.totp_secret:
        click.echo(f"TOTP secret (add it to an authenticator app): {operator.totp_secret}")
