from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from yk_saas.forms import Form

TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
    "UTC",
]


class FirmSettingsForm(Form):
    name = StringField(_l("Firm name"), validators=[InputRequired(), Length(min=2, max=120)])
    locale = SelectField(_l("Default language"), choices=[("zh_CN", "简体中文"), ("en", "English")])
    timezone = SelectField(_l("Time zone"), choices=[(t, t) for t in TIMEZONES])
    phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    email = EmailField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
