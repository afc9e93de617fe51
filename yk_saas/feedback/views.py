"""Feedback in the desk: the complaints queue (managers handle every complaint, accountants
read their clients'), follow-up visits (plan, see what is due, log the outcome) and survey
results (the admin sees all, an accountant their own)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, STAFF, or_404, require_firm_host, roles
from yk_saas.bounded import parse_int
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import get_visible_company, users_by_id
from yk_saas.errors import form_status, user_errors_on
from yk_saas.feedback import complaints, followups, surveys
from yk_saas.feedback.forms import (
    ComplaintStateForm,
    FollowUpForm,
    FollowUpLogForm,
    InternalNoteForm,
)
from yk_saas.feedback.models import COMPLAINT_STATES, Complaint
from yk_saas.files.services import send_stored_file
from yk_saas.models_base import utcnow
from yk_saas.paging import page_of

bp = Blueprint("feedback", __name__, url_prefix="/desk/feedback")
bp.before_request(require_firm_host)


PER_PAGE = 50


@bp.route("/complaints/")
@roles(*STAFF)
def complaint_list():
    state = request.args.get("state", "open")
    query = complaints.visible_complaints_query(current_user)
    if state in COMPLAINT_STATES:
        query = query.where(Complaint.state == state)
    elif state == "open":
        query = query.where(Complaint.state.in_(("new", "investigating")))
    rows = page_of(query.order_by(Complaint.created_at.desc(), Complaint.id.desc()), PER_PAGE)
    return render_template(
        "feedback/complaints.html",
        complaints=rows,
        state=state,
        companies=company_names(rows.items),
    )


def company_names(rows) -> dict[int, str]:
    ids = {c.company_id for c in rows}
    return dict(
        db.session.execute(
            select(ClientCompany.id, ClientCompany.name).where(ClientCompany.id.in_(ids))
        ).all()
    )


def detail_page(complaint, state_form=None, note_form=None, status=200):
    people = users_by_id(
        [complaint.filed_by_id, complaint.about_accountant_id, complaint.resolved_by_id]
        + [n.author_id for n in complaints.notes_of(complaint.id)]
    )
    return render_template(
        "feedback/complaint.html",
        complaint=complaint,
        people=people,
        company=company_names([complaint]).get(complaint.company_id),
        notes=complaints.notes_of(complaint.id),
        files=complaints.files_of(complaint.id),
        state_form=state_form
        or ComplaintStateForm(state=complaint.state, resolution=complaint.resolution),
        note_form=note_form or InternalNoteForm(),
    ), status


@bp.route("/complaints/<int:complaint_id>")
@roles(*STAFF)
def complaint(complaint_id):
    return detail_page(or_404(complaints.get_visible_complaint(current_user, complaint_id)))


@bp.route("/complaints/<int:complaint_id>/state", methods=["POST"])
@roles(*MANAGERS)
def change_complaint_state(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    form = ComplaintStateForm()
    if form.validate_on_submit():
        with user_errors_on(form, "resolution") as outcome:
            complaints.set_state(complaint, form.state.data, current_user, form.resolution.data)
        if outcome.ok:
            flash(_("Complaint updated."), "success")
            return redirect(url_for("feedback.complaint", complaint_id=complaint.id))
    return detail_page(complaint, state_form=form, status=form_status(form))


@bp.route("/complaints/<int:complaint_id>/notes", methods=["POST"])
@roles(*STAFF)
def add_complaint_note(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    form = InternalNoteForm()
    if not form.validate_on_submit():
        return detail_page(complaint, note_form=form, status=422)
    with user_errors_on(form, "body") as outcome:
        complaints.add_note(complaint, form.body.data, current_user)
    if not outcome.ok:
        return detail_page(complaint, note_form=form, status=form_status(form))
    return redirect(url_for("feedback.complaint", complaint_id=complaint.id))


@bp.route("/complaints/files/<key>")
@roles(*STAFF)
def complaint_file(key):
    return send_stored_file(or_404(complaints.get_visible_file(current_user, key)))


def names(rows) -> dict[int, str]:
    ids = {f.company_id for f in rows}
    return dict(
        db.session.execute(
            select(ClientCompany.id, ClientCompany.name).where(ClientCompany.id.in_(ids))
        ).all()
    )


@bp.route("/followups/")
@roles(*STAFF)
def followup_list():
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


@bp.route("/followups/company/<int:company_id>", methods=["GET", "POST"])
@roles(*STAFF)
def company_followups(company_id):
    company = or_404(get_visible_company(current_user, company_id))
    form = FollowUpForm()
    if form.validate_on_submit():
        with user_errors_on(form, "method") as outcome:
            followups.schedule_followup(
                company, form.scheduled_for.data, form.method.data, form.purpose.data, current_user
            )
        if outcome.ok:
            flash(_("Follow-up planned."), "success")
            return redirect(url_for("feedback.company_followups", company_id=company.id))
    rows = page_of(followups.company_followups_query(company.id), PER_PAGE)
    return render_template(
        "feedback/company_followups.html",
        company=company,
        followups=rows,
        form=form,
        log_form=FollowUpLogForm(),
        staff=users_by_id(f.accountant_id for f in rows.items),
    ), form_status(form)


@bp.route("/followups/<int:followup_id>/log", methods=["POST"])
@roles(*STAFF)
def log_followup(followup_id):
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
    return redirect(url_for("feedback.company_followups", company_id=followup.company_id))


@bp.route("/surveys/")
@roles(*STAFF)
def survey_results():
    rounds = surveys.rounds()
    round_name = request.args.get("round") if request.args.get("round") in rounds else None
    only = None if current_user.is_manager else current_user.id
    rows = surveys.results_by_accountant(round_name, only)
    comments = surveys.recent_comments(only)
    return render_template(
        "feedback/surveys.html",
        rows=rows,
        rounds=rounds,
        round_name=round_name,
        comments=comments,
        counts=surveys.answered_count(round_name) if round_name else None,
        staff=users_by_id([r[0] for r in rows] + [c.accountant_id for c in comments]),
    )
