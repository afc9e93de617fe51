"""Error pages: HTML for people, a small fragment for HTMX requests."""

import logging

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from tenants import db

log = logging.getLogger("yk_saas")


def _render(status: int, title: str, message: str):
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def handle_http(exc: HTTPException):
    titles = {
        400: _("Bad request"), 403: _("Not allowed"), 404: _("Page not found"),
        405: _("Not allowed"), 413: _("File too large"), 422: _("Check your input"),
        429: _("Too many requests"),
    }
    messages = {
        403: _("Your account may not open this page."),
        404: _("There is nothing at this address."),
        413: _("The file is larger than allowed."),
        429: _("Please wait a moment and try again."),
    }
    status = exc.code or 500
    return _render(status, titles.get(status, exc.name), messages.get(status, exc.description or ""))


def handle_csrf(exc: CSRFError):
    return _render(400, _("Form expired"),
                   _("The form was missing its security token or it expired. Reload the page and try again."))


def handle_database_down(exc: OperationalError):
    db.session.rollback()
    # The page is rendered without the database: no user lookup (for the language or the menu).
    g._login_user = current_app.login_manager.anonymous_user()
    log.error("database unavailable (firm %s): %s", getattr(g.get("tenant"), "slug", "-"), exc)
    return _render(503, _("Temporarily unavailable"), _("Please try again in a moment."))


def handle_unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    db.session.rollback()
    log.exception("unhandled error (firm %s, %s %s)", getattr(g.get("tenant"), "slug", "-"),
                  request.method, request.path)
    return _render(500, _("Something went wrong"), _("The error was logged. Please try again."))


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(OperationalError, handle_database_down)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
