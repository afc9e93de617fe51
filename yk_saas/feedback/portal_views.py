"""Feedback in the client portal: file a complaint, follow it, say whether it is solved; answer
the satisfaction survey."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.errors import form_status, user_errors_on
from yk_saas.feedback import complaints, surveys
from yk_saas.feedback.forms import ComplaintForm, SurveyForm
from yk_saas.feedback.models import Complaint
from yk_saas.files.services import send_stored_file
from yk_saas.paging import page_of

bp = Blueprint("feedback_portal", __name__, url_prefix="/portal/feedback")
bp.before_request(require_firm_host)


PER_PAGE = 30


@bp.route("/complaints/", methods=["GET", "POST"])
@roles(CLIENT)
def complaint_list():
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
            return redirect(url_for("feedback_portal.complaint", complaint_id=complaint.id))
    rows = page_of(
        complaints.visible_complaints_query(current_user).order_by(
            Complaint.created_at.desc(), Complaint.id.desc()
        ),
        PER_PAGE,
    )
    return render_template(
        "feedback_portal/complaints.html", complaints=rows, form=form
    ), form_status(form)


@bp.route("/complaints/<int:complaint_id>")
@roles(CLIENT)
def complaint(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    return render_template(
        "feedback_portal/complaint.html",
        complaint=complaint,
        files=complaints.files_of(complaint.id),
    )


@bp.route("/complaints/<int:complaint_id>/answer", methods=["POST"])
@roles(CLIENT)
def answer_complaint(complaint_id):
    complaint = or_404(complaints.get_visible_complaint(current_user, complaint_id))
    if request.form.get("solved") in ("yes", "no"):
        complaints.answer_followup(complaint, request.form["solved"] == "yes")
        flash(_("Thank you for telling us."), "success")
    return redirect(url_for("feedback_portal.complaint", complaint_id=complaint.id))


@bp.route("/complaints/files/<key>")
@roles(CLIENT)
def complaint_file(key):
    return send_stored_file(or_404(complaints.get_visible_file(current_user, key)))


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@roles(CLIENT)
def answer_survey(survey_id):
    survey = or_404(surveys.get_visible_survey(current_user, survey_id))
    form = SurveyForm(obj=survey)
    if survey.answered_at is None and form.validate_on_submit():
        surveys.answer_survey(survey, form.score.data, form.comment.data)
        flash(_("Thank you for your answer."), "success")
        return redirect(url_for("portal.home"))
    return render_template("feedback_portal/survey.html", survey=survey, form=form), form_status(
        form
    )
