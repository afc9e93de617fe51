"""Base form of the app: Flask-WTF with WTForms' own messages translated, cached per locale."""

from functools import lru_cache

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def wtforms_translations(locale: str):
    """WTForms' built-in messages ("This field is required.") in ``locale``, loaded once."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # Flask-WTF would read the catalogue from disk on every request.
            return wtforms_translations(str(get_locale()))
