from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from yk_saas.forms import Form


class SignupForm(Form):
    firm_name = StringField(_l("Firm name"), validators=[InputRequired(), Length(max=120)])
    slug = StringField(_l("Subdomain"), validators=[InputRequired(), Length(max=32)])
    owner_name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])
    locale = SelectField(
        _l("Language of your site"), choices=[("zh_CN", "简体中文"), ("en", "English")]
    )
