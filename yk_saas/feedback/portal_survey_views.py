"""The satisfaction survey as a client user answers it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.errors import form_status
from yk_saas.feedback import surveys
from yk_saas.feedback.forms import SurveyForm

bp = Blueprint("portal_surveys", __name__, url_prefix="/portal/surveys")
bp.before_request(require_firm_host)


@bp.route("/<int:survey_id>", methods=["GET", "POST"])
@roles(CLIENT)
def answer(survey_id):
    survey = or_404(surveys.get_visible_survey(current_user, survey_id))
    form = SurveyForm(obj=survey)
    if survey.answered_at is None and form.validate_on_submit():
        surveys.answer_survey(survey, form.score.data, form.comment.data)
        flash(_("Thank you for your answer."), "success")
        return redirect(url_for("portal.home"))
    return render_template("feedback/portal_survey.html", survey=survey, form=form), form_status(
        form
    )
