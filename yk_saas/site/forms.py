from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from yk_saas.forms import Form
from yk_saas.site.sanitize import safe_link

SLUG = Regexp(
    r"^[a-z0-9][a-z0-9-]{0,58}$", message=_l("Use lower-case letters, digits and hyphens.")
)
COLOUR = Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #1d5fd1."))


def link_check(form, field):
    cleaned = safe_link(field.data)
    if cleaned is None:
        raise ValidationError(_l("Use a site path starting with / or an http(s):// address."))
    field.data = cleaned


def to_utc(value, timezone_name: str):
    """A local date-time typed in the firm's time zone, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(timezone_name)).astimezone(ZoneInfo("UTC"))


class SlideForm(Form):
    image = FileField(_l("Image (PNG, JPEG or WebP)"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=120)])
    subtitle = StringField(_l("Subtitle"), validators=[Optional(), Length(max=240)])
    link = StringField(_l("Link"), validators=[Optional(), Length(max=500), link_check])
    starts_at = DateTimeLocalField(_l("Show from"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Show until"), validators=[Optional()])


class MenuItemForm(Form):
    label = StringField(_l("Label"), validators=[InputRequired(), Length(max=60)])
    url = StringField(_l("Link"), validators=[InputRequired(), Length(max=500), link_check])
    parent_id = SelectField(_l("Under"), coerce=str, validators=[Optional()])


class SectionForm(Form):
    kind = SelectField(_l("Section"))
    title = StringField(_l("Heading"), validators=[Optional(), Length(max=120)])
    body = TextAreaField(
        _l("Text (simple HTML allowed)"), validators=[Optional(), Length(max=20000)]
    )


class PageForm(Form):
    slug = StringField(_l("Address (after /p/)"), validators=[InputRequired(), SLUG])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=120)])
    body = TextAreaField(
        _l("Text (simple HTML allowed)"), validators=[Optional(), Length(max=50000)]
    )


class AnnouncementForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=160)])
    body = TextAreaField(
        _l("Text (simple HTML allowed)"), validators=[Optional(), Length(max=10000)]
    )
    publish_at = DateTimeLocalField(_l("Publish at"), validators=[Optional()])
    expires_at = DateTimeLocalField(_l("Expires at"), validators=[Optional()])


class BrandingForm(Form):
    primary = StringField(_l("Main colour (links, buttons)"), validators=[InputRequired(), COLOUR])
    accent = StringField(_l("Banner colour"), validators=[InputRequired(), COLOUR])
    logo = FileField(_l("Logo (PNG, JPEG or WebP)"))
    favicon = FileField(_l("Favicon (PNG)"))
    support_consent = BooleanField(_l("Allow platform support to sign in as the owner to help"))
