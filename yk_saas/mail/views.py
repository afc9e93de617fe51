"""The firm's outbox: every e-mail sent, or kept when no SMTP server is set."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.mail.models import OutboxEmail
from yk_saas.mail.services import readable_body, smtp_configured
from yk_saas.paging import page_of

bp = Blueprint("outbox", __name__, url_prefix="/desk/outbox")
bp.before_request(require_firm_host)
PAGE_SIZE = 50


@bp.route("/")
@roles(*MANAGERS)
def index():
    page = page_of(select(OutboxEmail).order_by(OutboxEmail.id.desc()), PAGE_SIZE)
    return render_template("mail/outbox.html", page=page, smtp=smtp_configured())


@bp.route("/<int:email_id>")
@roles(*MANAGERS)
def detail(email_id):
    email = db.get_or_404(OutboxEmail, email_id)
    body = readable_body(email, current_user)
    masked = email.secret_text is not None and body != email.secret_text
    return render_template("mail/message.html", email=email, body=body, masked=masked)
