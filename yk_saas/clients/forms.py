from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

SIZE_LABELS = {
    "micro": _l("Micro (under 10 people)"),
    "small": _l("Small (10–99)"),
    "medium": _l("Medium (100–299)"),
    "large": _l("Large (300+)"),
}
TAX_TYPE_LABELS = {"small_scale": _l("Small-scale taxpayer"), "general": _l("General taxpayer")}
SOURCE_LABELS = {
    "referral": _l("Referral"),
    "website": _l("Website"),
    "walk_in": _l("Walk-in"),
    "event": _l("Event"),
    "advertising": _l("Advertising"),
    "other": _l("Other"),
}
STATUS_LABELS = {"active": _l("Active"), "lost": _l("Lost")}


def choices(labels):
    return [("", "—")] + list(labels.items())


from yk_saas.forms import Form


class CompanyForm(Form):
    name = StringField(_l("Company name"), validators=[InputRequired(), Length(min=2, max=200)])
    credit_code = StringField(
        _l("Unified social credit code"), validators=[Optional(), Length(max=24)]
    )
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=100)])
    size = SelectField(_l("Size"), choices=choices(SIZE_LABELS), validators=[Optional()])
    tax_type = SelectField(
        _l("Tax type"), choices=choices(TAX_TYPE_LABELS), validators=[Optional()]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    source = SelectField(_l("Source"), choices=choices(SOURCE_LABELS), validators=[Optional()])


class StatusForm(Form):
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()))


class AccountantForm(Form):
    accountant_id = SelectField(_l("Dedicated accountant"), coerce=str, validators=[Optional()])


class ContactForm(Form):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    wechat = StringField(_l("WeChat ID"), validators=[Optional(), Length(max=64)])
    primary = BooleanField(_l("Primary contact"))


class TagsForm(Form):
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=600)])


class NoteForm(Form):
    body = TextAreaField(_l("Note"), validators=[InputRequired(), Length(max=5000)])


class ClientInviteForm(Form):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=254)])


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"))
