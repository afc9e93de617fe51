"""Forms of the catalog: categories, services and a service's image."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FileField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from yk_saas.forms import Form

CYCLE_LABELS = {
    "one_off": _l("One-off"),
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "yearly": _l("Yearly"),
}


class CategoryForm(Form):
    name = StringField(_l("Category name"), validators=[InputRequired(), Length(max=100)])
    sort_order = IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(-999, 999)]
    )


class ServiceForm(Form):
    name = StringField(_l("Service name"), validators=[InputRequired(), Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=int, choices=[])
    description = TextAreaField(
        _l("Description (simple HTML: paragraphs, lists, bold, links)"),
        validators=[Length(max=20000)],
    )
    price = StringField(_l("Price"), validators=[InputRequired(), Length(max=20)])
    billing_cycle = SelectField(_l("Billing cycle"), choices=list(CYCLE_LABELS.items()))
    image = FileField(_l("Image (PNG, JPEG or WebP, 5 MB at most)"))
    published = BooleanField(_l("Published: clients can see and order it"))
    recommended = BooleanField(_l("Recommended"))
    sort_order = IntegerField(
        _l("Sort order"), default=0, validators=[Optional(), NumberRange(-999, 999)]
    )
