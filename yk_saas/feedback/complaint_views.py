"""The complaints queue in the desk: managers handle every complaint, accountants read their clients'."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS, STAFF, or_404, require_firm_host, roles
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import users_by_id
from yk_saas.errors import form_status, user_errors_on
from yk_saas.feedback import complaints
from yk_saas.feedback.forms import ComplaintStateForm, InternalNoteForm
from yk_saas.feedback.models import COMPLAINT_STATES, Complaint
from yk_saas.files.services import send_stored_file
from yk_saas.paging import page_of

bp = Blueprint("complaints", __name__, url_prefix="/desk/complaints")
bp.before_request(require_firm_host)

PER_PAGE = 50


@bp.route("/")
@roles(*STAFF)
def queue():
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


@bp.route("/<int:complaint_id>")
@roles(*STAFF)
def detail(complaint_id):
    return detail_page(or_404(complaints.get_visible_complaint(current_user, complaint_id)))


@bp.route("/<int:complaint_id>/state", methods=["POST"])
@roles(*MANAGERS)
def change_state(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    form = ComplaintStateForm()
    if form.validate_on_submit():
        with user_errors_on(form, "resolution") as outcome:
            complaints.set_state(complaint, form.state.data, current_user, form.resolution.data)
        if outcome.ok:
            flash(_("Complaint updated."), "success")
            return redirect(url_for("complaints.detail", complaint_id=complaint.id))
    return detail_page(complaint, state_form=form, status=form_status(form))


@bp.route("/<int:complaint_id>/notes", methods=["POST"])
@roles(*STAFF)
def add_note(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    form = InternalNoteForm()
    if not form.validate_on_submit():
        return detail_page(complaint, note_form=form, status=422)
    with user_errors_on(form, "body") as outcome:
        complaints.add_note(complaint, form.body.data, current_user)
    if not outcome.ok:
        return detail_page(complaint, note_form=form, status=form_status(form))
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.route("/files/<key>")
@roles(*STAFF)
def download(key):
    return send_stored_file(or_404(complaints.get_visible_file(current_user, key)))
