"""Ledgers in the desk (accountants upload and enter) and in the portal (clients look)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import STAFF, or_404, require_firm_host, roles
from yk_saas.clients.services import get_visible_company
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.services import send_stored_file
from yk_saas.ledgers import charts, services
from yk_saas.ledgers.forms import (
    FiguresForm,
    FileForm,
    FilingForm,
    PeriodForm,
)
from yk_saas.ledgers.models import FIGURES
from yk_saas.money import amount_input
from yk_saas.paging import page_of

bp = Blueprint("ledgers", __name__, url_prefix="/desk/ledgers")
bp.before_request(require_firm_host)

#: Months of books per page of a company's ledger list.
PER_PAGE = 24


@bp.route("/")
@roles(*STAFF)
def board():
    period = services.valid_period(request.args.get("period")) or services.previous_period()
    missing = services.missing_books(current_user, period)
    return render_template(
        "ledgers/board.html",
        period=period,
        missing=missing,
        delivered=services.delivered_count(current_user, period),
        previous=services.shift_period(period, -1),
        next=services.shift_period(period, 1),
    )


def company_charts(company_id: int, months: int = 24):
    periods = list(reversed(services.periods_of(company_id, months)))
    return charts.ledger_charts(periods, _)


@bp.route("/company/<int:company_id>", methods=["GET", "POST"])
@roles(*STAFF)
def company(company_id):
    company = or_404(get_visible_company(current_user, company_id))
    form = PeriodForm(period=services.previous_period())
    if form.validate_on_submit():
        with user_errors_on(form, "period") as outcome:
            period = services.open_period(company.id, form.period.data)
        if outcome.ok:
            return redirect(url_for("ledgers.period", period_id=period.id))
    periods = page_of(services.periods_query(company.id), PER_PAGE)
    return render_template(
        "ledgers/company.html",
        company=company,
        periods=periods,
        form=form,
        files=services.file_counts(p.id for p in periods.items),
        charts=company_charts(company.id),
    ), form_status(form)


def period_page(period, figures_form=None, filing_form=None, file_form=None, status=200):
    company = or_404(get_visible_company(current_user, period.company_id))
    figures_form = figures_form or FiguresForm(
        data={
            **{k: amount_input(getattr(period, k), period.currency) for k in FIGURES},
            "note": period.note,
        }
    )
    return render_template(
        "ledgers/period.html",
        period=period,
        company=company,
        figures_form=figures_form,
        filing_form=filing_form or FilingForm(),
        file_form=file_form or FileForm(),
        filings=services.filings_of(period.id),
        files=services.files_of(period.id),
    ), status


@bp.route("/<int:period_id>")
@roles(*STAFF)
def period(period_id):
    return period_page(or_404(services.get_visible_period(current_user, period_id)))


@bp.route("/<int:period_id>/figures", methods=["POST"])
@roles(*STAFF)
def save_figures(period_id):
    period = or_404(services.get_visible_period(current_user, period_id))
    form = FiguresForm()
    if not form.validate_on_submit() or not any(k in request.form for k in FIGURES):
        return period_page(period, figures_form=form, status=422)
    with user_errors_on(form, "revenue") as outcome:
        services.save_figures(period, {k: form[k].data for k in (*FIGURES, "note")}, current_user)
    if not outcome.ok:
        return period_page(period, figures_form=form, status=form_status(form))
    flash(_("Figures saved."), "success")
    return redirect(url_for("ledgers.period", period_id=period.id))


@bp.route("/<int:period_id>/filings", methods=["POST"])
@roles(*STAFF)
def save_filing(period_id):
    period = or_404(services.get_visible_period(current_user, period_id))
    form = FilingForm()
    if not form.validate_on_submit():
        return period_page(period, filing_form=form, status=422)
    services.set_filing(period, form.tax.data, form.status.data, form.on.data)
    flash(_("Filing status saved."), "success")
    return redirect(url_for("ledgers.period", period_id=period.id))


@bp.route("/<int:period_id>/files", methods=["POST"])
@roles(*STAFF)
def upload(period_id):
    period = or_404(services.get_visible_period(current_user, period_id))
    form = FileForm()
    if form.validate_on_submit():
        with user_errors_on(form, "file") as outcome:
            services.attach_file(period, request.files.get("file"), current_user)
        if outcome.ok:
            flash(_("File uploaded."), "success")
            return redirect(url_for("ledgers.period", period_id=period.id))
    return period_page(period, file_form=form, status=form_status(form))


@bp.route("/<int:period_id>/files/<key>/remove", methods=["POST"])
@roles(*STAFF)
def remove_file(period_id, key):
    period = or_404(services.get_visible_period(current_user, period_id))
    services.remove_file(period, key)
    return redirect(url_for("ledgers.period", period_id=period.id))


@bp.route("/files/<key>")
@roles(*STAFF)
def download(key):
    return send_stored_file(or_404(services.get_visible_file(current_user, key)))
