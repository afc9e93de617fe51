"""Forms of sign-in, invitations, passwords and the user's own account."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from yk_saas.forms import Form

LOCALES = [("", _l("Firm default")), ("zh_CN", "简体中文"), ("en", "English")]


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])
    next = HiddenField()


class TotpForm(Form):
    code = StringField(_l("6-digit code"), validators=[InputRequired(), Length(min=6, max=8)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[InputRequired(), Length(max=100)])


class InviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])
    role = SelectField(
        _l("Role"), choices=[("accountant", _l("Accountant")), ("admin", _l("Admin"))]
    )


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    locale = SelectField(_l("Language"), choices=LOCALES, validators=[Optional()])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=128)])


class EnableTotpForm(Form):
    code = StringField(_l("Code from your app"), validators=[InputRequired(), Length(min=6, max=8)])


class DisableTotpForm(Form):
    password = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=128)])
