from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import Email, InputRequired, Length


class CompanyForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[InputRequired(), Length(min=2, max=200)])


class ClientInviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
