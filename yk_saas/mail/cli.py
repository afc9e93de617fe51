"""``flask mail show``: read a kept e-mail in full on the server, secret links included.

Without SMTP (the demo), an invitation or reset link is masked in the Outbox for
everyone but its recipient; whoever runs the server can still hand it over.
"""

import click
from flask.cli import AppGroup

from tenants import db, tenant_context

mail_cli = AppGroup("mail", help="The firms' outboxes.")


@mail_cli.command("show")
@click.argument("slug")
@click.argument("email_id", type=int)
def show_command(slug, email_id):
    """Print message EMAIL_ID of firm SLUG as it is sent, with its links."""
    from yk_saas.mail.models import OutboxEmail

    with tenant_context(slug):
        email = db.session.get(OutboxEmail, email_id)
        if email is None:
            raise click.ClickException(f"no message {email_id} in {slug}")
        click.echo(f"To: {email.to_address}\nSubject: {email.subject}\n")
        click.echo(email.secret_text if email.secret_text is not None else email.body_text)
