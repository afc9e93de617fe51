"""Forms of orders, requests, progress, ratings, assignment and the work settings."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from yk_saas.forms import Form
from yk_saas.work.labels import OVERALL_LABELS, POLICY_LABELS, STATE_LABELS, URGENCY_LABELS

URGENCY_CHOICES = list(URGENCY_LABELS.items())
SCORE_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class RequestForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    request_type = SelectField(_l("Type"), choices=[], validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    urgency = SelectField(_l("Urgency"), choices=URGENCY_CHOICES, default="normal")
    service_id = SelectField(
        _l("Related paid service (optional)"),
        coerce=int,
        choices=[],
        validate_choice=False,
        default=0,
    )
    files = MultipleFileField(_l("Attachments (PDF, images, Excel, Word; 10 MB each)"))


class OrderForm(Form):
    note = TextAreaField(_l("Anything we should know?"), validators=[Length(max=5000)])
    urgency = SelectField(_l("Urgency"), choices=URGENCY_CHOICES, default="normal")
    files = MultipleFileField(_l("Attachments (PDF, images, Excel, Word; 10 MB each)"))


class ProgressForm(Form):
    body = TextAreaField(_l("Note"), validators=[Length(max=5000)])
    new_state = SelectField(_l("New state"), choices=[], validate_choice=False)
    files = MultipleFileField(_l("Files"))

    def set_states(self, current: str, allowed) -> None:
        self.new_state.choices = [("", _l("Keep: %(state)s", state=STATE_LABELS[current]))] + [
            (s, STATE_LABELS[s]) for s in STATE_LABELS if s in allowed and s != "assigned"
        ]


class ReplyForm(Form):
    body = TextAreaField(_l("Your reply"), validators=[Length(max=5000)])
    files = MultipleFileField(_l("Files"))


class RatingForm(Form):
    overall = RadioField(
        _l("Overall"), choices=list(OVERALL_LABELS.items()), validators=[InputRequired()]
    )
    attitude = RadioField(
        _l("Attitude"), choices=SCORE_CHOICES, coerce=int, validators=[InputRequired()]
    )
    speed = RadioField(_l("Speed"), choices=SCORE_CHOICES, coerce=int, validators=[InputRequired()])
    quality = RadioField(
        _l("Quality"), choices=SCORE_CHOICES, coerce=int, validators=[InputRequired()]
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


class AssignForm(Form):
    assignee_id = SelectField(_l("Assign to"), coerce=int, choices=[], validators=[InputRequired()])


class WorkSettingsForm(Form):
    approval_threshold = StringField(
        _l("Orders above this amount need admin approval (empty: none)"),
        validators=[Optional(), Length(max=20)],
    )
    timeout_policy = SelectField(
        _l("When nobody claims in time"), choices=list(POLICY_LABELS.items())
    )
    timeout_urgent_minutes = IntegerField(
        _l("Claim timeout, urgent (minutes)"), validators=[InputRequired(), NumberRange(1, 100000)]
    )
    timeout_normal_minutes = IntegerField(
        _l("Claim timeout, normal (minutes)"), validators=[InputRequired(), NumberRange(1, 100000)]
    )
    timeout_low_minutes = IntegerField(
        _l("Claim timeout, low (minutes)"), validators=[InputRequired(), NumberRange(1, 100000)]
    )
    stale_after_hours = IntegerField(
        _l("Remind when assigned work shows no progress for (hours)"),
        validators=[InputRequired(), NumberRange(1, 10000)],
    )
    default_capacity = IntegerField(
        _l("Open items an accountant may hold (firm default)"),
        validators=[InputRequired(), NumberRange(0, 10000)],
    )
    request_types = TextAreaField(
        _l("Request types (one per line)"), validators=[InputRequired(), Length(max=2000)]
    )


class CapacityForm(Form):
    capacity = IntegerField(_l("Own limit"), validators=[Optional(), NumberRange(0, 10000)])
