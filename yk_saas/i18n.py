"""Language and time zone of each request: the user's choice, else the firm's."""

from babel import Locale
from flask import g, has_request_context, request, session
from flask_login import current_user

SUPPORTED_LOCALES = ("zh_CN", "en")
# Parsed once: Babel re-reads its locale data on every parse of a string.
_PARSED = {code: Locale.parse(code) for code in SUPPORTED_LOCALES}


def select_locale() -> Locale:
    return _PARSED[_select_locale_code()]


def page_locale() -> str:
    """The code of the language this page is in, one of SUPPORTED_LOCALES.

    ``str()`` of Babel's Chinese locale is ``zh_Hans_CN``, so templates must not compare it to
    ``zh_CN``: the switch then offered Chinese on Chinese pages and pages said ``lang="en"``.
    """
    from flask_babel import get_locale

    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def _select_locale_code() -> str:
    if not has_request_context():
        return "zh_CN"
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    if session.get("locale") in SUPPORTED_LOCALES:
        return session["locale"]
    firm = g.get("tenant")
    if firm is not None and firm.locale in SUPPORTED_LOCALES:
        return firm.locale
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "zh_CN"


def select_timezone() -> str | None:
    firm = g.get("tenant") if has_request_context() else None
    return firm.timezone if firm is not None else None
