"""Complaints in the client portal: file one, follow it, say whether it is solved."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.errors import form_status, user_errors_on
from yk_saas.feedback import complaints
from yk_saas.feedback.forms import ComplaintForm
from yk_saas.feedback.models import Complaint
from yk_saas.files.services import send_stored_file
from yk_saas.paging import page_of

bp = Blueprint("portal_complaints", __name__, url_prefix="/portal/complaints")
bp.before_request(require_firm_host)

PER_PAGE = 30


@bp.route("/", methods=["GET", "POST"])
@roles(CLIENT)
def index():
    form = ComplaintForm()
    if form.validate_on_submit():
        with user_errors_on(form, "files") as outcome:
            complaint = complaints.file_complaint(
                current_user,
                form.title.data,
                form.description.data,
                form.about_accountant.data,
                form.about_item.data,
                request.files.getlist("files"),
            )
        if outcome.ok:
            flash(_("Your complaint was sent. We will get back to you."), "success")
            return redirect(url_for("portal_complaints.detail", complaint_id=complaint.id))
    rows = page_of(
        complaints.visible_complaints_query(current_user).order_by(
            Complaint.created_at.desc(), Complaint.id.desc()
        ),
        PER_PAGE,
    )
    return render_template(
        "feedback/portal_complaints.html", complaints=rows, form=form
    ), form_status(form)


@bp.route("/<int:complaint_id>")
@roles(CLIENT)
def detail(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    return render_template(
        "feedback/portal_complaint.html",
        complaint=complaint,
        files=complaints.files_of(complaint.id),
    )


@bp.route("/<int:complaint_id>/answer", methods=["POST"])
@roles(CLIENT)
def answer(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    if request.form.get("solved") in ("yes", "no"):
        complaints.answer_followup(complaint, request.form["solved"] == "yes")
        flash(_("Thank you for telling us."), "success")
    return redirect(url_for("portal_complaints.detail", complaint_id=complaint.id))


@bp.route("/files/<key>")
@roles(CLIENT)
def download(key):
    return send_stored_file(or_404(complaints.get_visible_file(current_user, key)))
