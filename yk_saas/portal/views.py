"""The client portal, as the firm's clients see it."""

from flask import Blueprint, render_template
from flask_login import current_user

from yk_saas.access import CLIENT, require_firm_host, roles
from yk_saas.clients.services import accountant_card
from yk_saas.feedback.surveys import open_surveys

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(CLIENT)
def home():
    company = current_user.client_company
    return render_template(
        "portal/home.html",
        company=company,
        card=accountant_card(company),
        surveys=open_surveys(current_user),
    )
