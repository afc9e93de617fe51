"""Views every host serves: the language switch and a health check."""

from flask import Blueprint, g, redirect, request, session
from flask_login import current_user

from yk_saas.access import anyone
from yk_saas.i18n import SUPPORTED_LOCALES
from yk_saas.urls import safe_next

bp = Blueprint("common", __name__)


@bp.route("/")
@anyone
def home():
    """The platform's landing page on the platform domain, the firm's home page elsewhere."""
    from yk_saas.platform.views import landing_page
    from yk_saas.site.views import firm_home_page

    return firm_home_page() if g.get("tenant") is not None else landing_page()


@bp.route("/lang", methods=["POST"])
@anyone
def set_language():
    locale = request.form.get("locale", "")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(safe_next(request.form.get("next"), "/"), 303)


@bp.route("/healthz")
@anyone
def health():
    return {"status": "ok"}
