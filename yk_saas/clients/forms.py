from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField
from wtforms.validators import Email, InputRequired, Length

from yk_saas.forms import Form


class CompanyForm(Form):
    name = StringField(_l("Company name"), validators=[InputRequired(), Length(min=2, max=200)])


class ClientInviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
