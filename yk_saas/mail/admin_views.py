"""The firm's outbox: every e-mail sent, or kept when no SMTP server is set."""

from flask import Blueprint, render_template
from flask_login import current_user

from yk_saas.access import MANAGERS, or_404, require_firm_host, roles
from yk_saas.mail.models import OutboxEmail
from yk_saas.mail.services import (
    get_visible_email,
    readable_body,
    smtp_configured,
    visible_emails_query,
)
from yk_saas.paging import page_of

bp = Blueprint("mail_admin", __name__, url_prefix="/desk/admin/mail")
bp.before_request(require_firm_host)
PAGE_SIZE = 50


@bp.route("/")
@roles(*MANAGERS)
def index():
    query = visible_emails_query(current_user).order_by(OutboxEmail.id.desc())
    page = page_of(query, PAGE_SIZE)
    return render_template("mail_admin/outbox.html", page=page, smtp=smtp_configured())


@bp.route("/<int:email_id>")
@roles(*MANAGERS)
def detail(email_id):
    email = or_404(get_visible_email(current_user, email_id))
    body = readable_body(email, current_user)
    masked = email.secret_text is not None and body != email.secret_text
    return render_template("mail_admin/message.html", email=email, body=body, masked=masked)
