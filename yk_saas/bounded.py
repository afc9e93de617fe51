"""Input bounded to what its column holds: ids in URLs, query arguments, raw form values.

A number beyond a PostgreSQL ``integer`` (or ``bigint``) column, or a NUL byte
in a query, makes the database raise; caught here it is a 404 or a plain 400
with a message instead of a 500. Forms get the same bounds in ``yk_saas.forms``.
"""

import re

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1
#: C0 controls and DEL; tab, newline and carriage return are allowed in multi-line text only.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class IntColumnConverter(IntegerConverter):
    """``<int:…>`` holding at most an ``integer`` column's value: larger ids match no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class BigIntColumnConverter(IntegerConverter):
    """``<bigint:…>`` for ids of ``bigint`` columns."""

    def __init__(self, map, fixed_digits=0, min=None, max=BIGINT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class TextPartConverter(UnicodeConverter):
    """The default converter of URL parts (keys, tokens, slugs): no control characters (404)."""

    def to_python(self, value: str) -> str:
        if has_control_characters(value):
            raise ValidationError()
        return value


def parse_int(value, low: int = 0, high: int = INT_MAX) -> int | None:
    """``value`` as an int in [low, high], or None: no exponent, no sign games, no NaN."""
    text = (value or "").strip() if isinstance(value, str) else ""
    if not re.fullmatch(r"-?\d{1,19}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def arg_int(name: str, default: int | None = None, low: int = 0, high: int = INT_MAX) -> int | None:
    """A query argument as a bounded int; anything else (huge, negative, text) is ``default``."""
    number = parse_int(request.args.get(name), low, high)
    return default if number is None else number


def arg_page(name: str = "page") -> int:
    """The page number of a list: 1 unless the argument is a sane positive number."""
    return arg_int(name, 1, 1, INT_MAX)


def form_int(name: str, low: int = 1, high: int = INT_MAX) -> int | None:
    """A raw form value (an id, a capacity) as a bounded int, or None."""
    return parse_int(request.form.get(name), low, high)


def form_ints(name: str, low: int = 1, high: int = INT_MAX) -> list[int]:
    """Every value of a repeated form field that is a bounded int; the rest are dropped."""
    numbers = (parse_int(value, low, high) for value in request.form.getlist(name))
    return [n for n in numbers if n is not None]


def has_control_characters(text: str, multiline: bool = False) -> bool:
    return bool((CONTROL_CHARACTERS if multiline else LINE_CONTROL_CHARACTERS).search(text))


def refuse_control_characters_in_query() -> None:
    """Before every request: a query argument (name or value) with a control character is a 400."""
    for key, value in request.args.items(multi=True):
        if has_control_characters(key) or has_control_characters(value):
            abort(400, _("The address contains characters that are not allowed."))


def init_app(app) -> None:
    """Bound every ``<int:…>`` of the URL map; refuse control characters in query strings."""
    app.url_map.converters["int"] = IntColumnConverter
    app.url_map.converters["bigint"] = BigIntColumnConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextPartConverter
    app.before_request(refuse_control_characters_in_query)
