"""Errors people can fix and error pages.

``UserError`` is the base of every feature's errors a person can fix: its message
is shown to them (already translated), under the form field it names. Views use
``user_errors_on(form)`` around a service call and answer ``form_status(form)``:
422 when the form has errors, else 200. Error pages are HTML for people and a
small fragment for HTMX requests.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, flash, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from tenants import db

log = logging.getLogger("yk_saas")


class UserError(ValueError):
    """Something the person can put right; ``field`` names the form field it belongs under."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Outcome:
    """Whether the block inside ``user_errors_on`` finished without a UserError."""

    ok: bool = False


def put_error_on_form(form, exc: UserError, field: str | None = None) -> None:
    """Show ``exc`` under its field (``exc.field``, else ``field``), else as a page message."""
    target = getattr(form, exc.field or field or "", None)
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))  # counts in form.errors, so the answer is a 422
        flash(str(exc), "error")


@contextmanager
def user_errors_on(form, field: str | None = None) -> Iterator[Outcome]:
    """Run a service call; a UserError rolls the transaction back and lands on the form.

    ``with user_errors_on(form, "name") as outcome: services.save(...)``, then
    ``if outcome.ok: redirect`` else re-render with ``form_status(form)``.
    """
    outcome = Outcome()
    try:
        yield outcome
    except UserError as exc:
        db.session.rollback()
        put_error_on_form(form, exc, field)
    else:
        outcome.ok = True


def form_status(form) -> int:
    """422 when the submitted form has errors (a field's or the form's own), else 200."""
    return 422 if form.errors else 200


def _render(status: int, title: str, message: str):
    template = "errors/_error.html" if request.headers.get("HX-Request") else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


def handle_http(exc: HTTPException):
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Not allowed"),
        413: _("File too large"),
        422: _("Check your input"),
        429: _("Too many requests"),
    }
    messages = {
        403: _("Your account may not open this page."),
        404: _("There is nothing at this address."),
        413: _("The file is larger than allowed."),
        429: _("Please wait a moment and try again."),
    }
    status = exc.code or 500
    return _render(
        status, titles.get(status, exc.name), messages.get(status, exc.description or "")
    )


def handle_csrf(exc: CSRFError):
    return _render(
        400,
        _("Form expired"),
        _("The form was missing its security token or it expired. Reload the page and try again."),
    )


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
    log.exception(
        "unhandled error (firm %s, %s %s)",
        getattr(g.get("tenant"), "slug", "-"),
        request.method,
        request.path,
    )
    return _render(500, _("Something went wrong"), _("The error was logged. Please try again."))


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(OperationalError, handle_database_down)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
