from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from yk_saas.forms import DateWindow, Form

STATE_LABELS = {
    "new": _l("New"),
    "investigating": _l("Investigating"),
    "resolved": _l("Resolved"),
    "rejected": _l("Rejected"),
}
METHOD_LABELS = {
    "visit": _l("Visit"),
    "phone": _l("Phone call"),
    "wechat": _l("WeChat"),
    "video": _l("Video call"),
}


class ComplaintForm(Form):
    title = StringField(_l("Subject"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(
        _l("What happened?"), validators=[InputRequired(), Length(max=5000)]
    )
    about_accountant = BooleanField(_l("This is about my accountant"))
    about_item = StringField(
        _l("Order or request number (optional)"), validators=[Optional(), Length(max=60)]
    )
    files = MultipleFileField(_l("Files (optional)"))


class ComplaintStateForm(Form):
    state = SelectField(_l("State"), choices=list(STATE_LABELS.items()))
    resolution = TextAreaField(
        _l("Resolution (the client sees this)"), validators=[Optional(), Length(max=5000)]
    )


class InternalNoteForm(Form):
    body = TextAreaField(_l("Internal note"), validators=[InputRequired(), Length(max=5000)])


class FollowUpForm(Form):
    scheduled_for = DateField(_l("Date"), validators=[InputRequired(), DateWindow(1, 2)])
    method = SelectField(_l("How"), choices=list(METHOD_LABELS.items()))
    purpose = StringField(_l("Purpose"), validators=[Optional(), Length(max=300)])


class FollowUpLogForm(Form):
    outcome = TextAreaField(_l("Outcome"), validators=[InputRequired(), Length(max=5000)])
    satisfaction = SelectField(
        _l("Client satisfaction"),
        coerce=str,
        validators=[Optional()],
        choices=[
            ("", "—"),
            ("5", "5 ★★★★★"),
            ("4", "4 ★★★★"),
            ("3", "3 ★★★"),
            ("2", "2 ★★"),
            ("1", "1 ★"),
        ],
    )


class SurveyForm(Form):
    score = IntegerField(
        _l("How likely are you to recommend us to a friend? (0–10)"),
        validators=[InputRequired(), NumberRange(min=0, max=10)],
    )
    comment = TextAreaField(
        _l("Anything you would like to tell us?"), validators=[Optional(), Length(max=3000)]
    )
