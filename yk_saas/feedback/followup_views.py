"""Follow-up visits in the desk: plan, see what is due, log the outcome."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import STAFF, or_404, require_firm_host, roles
from yk_saas.bounded import parse_int
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import get_visible_company, users_by_id
from yk_saas.errors import form_status, user_errors_on
from yk_saas.feedback import followups
from yk_saas.feedback.forms import FollowUpForm, FollowUpLogForm
from yk_saas.models_base import utcnow
from yk_saas.paging import page_of

bp = Blueprint("followups", __name__, url_prefix="/desk/followups")
bp.before_request(require_firm_host)

PER_PAGE = 50


def names(rows) -> dict[int, str]:
    ids = {f.company_id for f in rows}
    return dict(
        db.session.execute(
            select(ClientCompany.id, ClientCompany.name).where(ClientCompany.id.in_(ids))
        ).all()
    )


@bp.route("/")
@roles(*STAFF)
def index():
    upcoming = page_of(followups.upcoming_query(current_user), PER_PAGE)
    done = page_of(followups.done_query(current_user), PER_PAGE, param="done_page")
    rows = upcoming.items + done.items
    return render_template(
        "feedback/followups.html",
        upcoming=upcoming,
        done=done,
        today=utcnow().date(),
        companies=names(rows),
        staff=users_by_id(f.accountant_id for f in rows),
    )


@bp.route("/company/<int:company_id>", methods=["GET", "POST"])
@roles(*STAFF)
def company(company_id):
    company = or_404(get_visible_company(current_user, company_id))
    form = FollowUpForm()
    if form.validate_on_submit():
        with user_errors_on(form, "method") as outcome:
            followups.schedule_followup(
                company, form.scheduled_for.data, form.method.data, form.purpose.data, current_user
            )
        if outcome.ok:
            flash(_("Follow-up planned."), "success")
            return redirect(url_for("followups.company", company_id=company.id))
    rows = page_of(followups.company_followups_query(company.id), PER_PAGE)
    return render_template(
        "feedback/company_followups.html",
        company=company,
        followups=rows,
        form=form,
        log_form=FollowUpLogForm(),
        staff=users_by_id(f.accountant_id for f in rows.items),
    ), form_status(form)


@bp.route("/<int:followup_id>/log", methods=["POST"])
@roles(*STAFF)
def log(followup_id):
    followup = or_404(followups.get_visible_followup(current_user, followup_id))
    form = FollowUpLogForm()
    if form.validate_on_submit():
        with user_errors_on(form) as outcome:
            followups.log_followup(
                followup, form.outcome.data, parse_int(form.satisfaction.data, 1, 5)
            )
        if outcome.ok:
            flash(_("Follow-up logged."), "success")
    else:
        flash(_("Write down the outcome."), "error")
    return redirect(url_for("followups.company", company_id=followup.company_id))
