"""Ledgers in the client portal: periods, charts, figures, filings and files of one's own company."""

from flask import Blueprint, render_template
from flask_login import current_user

from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.clients.services import get_visible_company
from yk_saas.files.services import send_stored_file
from yk_saas.ledgers import services
from yk_saas.ledgers.views import PER_PAGE, company_charts
from yk_saas.paging import page_of

bp = Blueprint("ledgers_portal", __name__, url_prefix="/portal/ledgers")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(CLIENT)
def index():
    company = or_404(get_visible_company(current_user, current_user.client_company_id or 0))
    periods = page_of(services.periods_query(company.id), PER_PAGE)
    return render_template(
        "ledgers_portal/index.html",
        company=company,
        periods=periods,
        files=services.file_counts(p.id for p in periods.items),
        charts=company_charts(company.id),
    )


@bp.route("/<int:period_id>")
@roles(CLIENT)
def period_detail(period_id):
    period = or_404(services.get_visible_period(current_user, period_id))
    return render_template(
        "ledgers_portal/period.html",
        period=period,
        filings=services.filings_of(period.id),
        files=services.files_of(period.id),
    )


@bp.route("/files/<key>")
@roles(CLIENT)
def portal_download(key):
    return send_stored_file(or_404(services.get_visible_file(current_user, key)))
