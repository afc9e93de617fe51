"""Base form of the app: Flask-WTF with WTForms' own messages translated, cached per locale.

Every field of every form is bounded when it is bound (``Meta.bind_field``): text
refuses control characters and has a maximum length, integers stay within an
``integer`` column, ids chosen from a list too, and dates within a window around
today (``DateWindow``; a field may declare its own). A form that does not derive
from ``Form`` is caught by ``tests/test_hostile_input.py``.
"""

from datetime import date, datetime
from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import FileField as PlainFileField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError

from yk_saas.bounded import INT_MAX, LINE_CONTROL_CHARACTERS, has_control_characters

#: Longest text a field takes when it declares no ``Length`` of its own.
LINE_MAX, TEXT_MAX = 500, 20_000
#: No date typed into the product is older than this.
EARLIEST_DATE = date(2000, 1, 1)


@lru_cache(maxsize=8)
def wtforms_translations(locale: str):
    """WTForms' built-in messages ("This field is required.") in ``locale``, loaded once."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def years_from(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class DateWindow:
    """A date (or date-time) within ``years_back`` before and ``years_ahead`` after today.

    Never before 2000-01-01: a typo such as ``0001-01-01`` would otherwise bill
    two thousand years of periods or overflow a time-zone conversion.
    """

    def __init__(self, years_back: int = 10, years_ahead: int = 10):
        self.years_back, self.years_ahead = years_back, years_ahead

    def bounds(self, today: date | None = None) -> tuple[date, date]:
        today = today or date.today()
        return max(EARLIEST_DATE, years_from(today, -self.years_back)), years_from(
            today, self.years_ahead
        )

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        low, high = self.bounds()
        if not low <= day <= high:
            raise ValidationError(
                _l(
                    "Enter a date between %(low)s and %(high)s.",
                    low=low.isoformat(),
                    high=high.isoformat(),
                )
            )


def refuse_control_characters(form, field):
    """No NUL or other control character in what was typed (tabs and newlines in text areas)."""
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str) and has_control_characters(value, multiline):
            raise ValidationError(
                _l("Remove the control characters (such as NUL) from this field.")
            )


def not_blank(form, field):
    """A required text is more than spaces (``InputRequired`` alone lets ``" "`` through)."""
    if isinstance(field.data, str) and not field.data.strip():
        raise StopValidation(_l("This field is required."))


def id_in_column(form, field):
    """A number chosen from a list (an id) fits an ``integer`` column."""
    if isinstance(field.data, int) and not -INT_MAX <= field.data <= INT_MAX:
        raise ValidationError(_l("Not a valid choice."))


DATE_FIELDS = (DateField, DateTimeField, DateTimeLocalField)
FILE_FIELDS = (FileField, MultipleFileField, PlainFileField)


def bounds_for(field) -> list:
    """The validators every field of its kind gets, unless it declares its own."""
    declared = list(field.validators)
    has = lambda kind: any(isinstance(v, kind) for v in declared)
    extra = []
    if isinstance(field, StringField) and not isinstance(field, PasswordField) and not has(Length):
        extra.append(Length(max=TEXT_MAX if isinstance(field, TextAreaField) else LINE_MAX))
    if isinstance(field, StringField) and has(InputRequired):
        extra.append(not_blank)
    if isinstance(field, IntegerField):
        extra.append(NumberRange(-INT_MAX, INT_MAX))
    if isinstance(field, SelectField | RadioField):
        extra.append(id_in_column)
    if isinstance(field, DATE_FIELDS) and not has(DateWindow):
        extra.append(DateWindow())
    return extra


def strip_control_characters(value):
    return LINE_CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def guard_field(field) -> None:
    """Add the app-wide bounds to one bound field."""
    if isinstance(field, (*FILE_FIELDS, BooleanField)):
        return
    if isinstance(field, HiddenField):
        # Not typed by the person (a ``next`` address): cleaned, never a reason to refuse the form.
        field.filters = (*field.filters, strip_control_characters)
        field.validators = [*field.validators, Length(max=LINE_MAX)]
        return
    field.validators = [refuse_control_characters, *field.validators, *bounds_for(field)]


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # Flask-WTF would read the catalogue from disk on every request.
            return wtforms_translations(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            guard_field(field)
            return field
