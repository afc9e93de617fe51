"""The operator console on the platform domain. Firm users can never reach it."""

import functools
import hmac

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from tenants import db
from yk_saas import heartbeat
from yk_saas.access import _declare, anyone, or_404, require_platform_host
from yk_saas.bounded import has_control_characters
from yk_saas.errors import user_errors_on
from yk_saas.operators import services
from yk_saas.operators.models import PlatformOperator
from yk_saas.urls import firm_base_url

bp = Blueprint("operators", __name__, url_prefix="/operators")
bp.before_request(require_platform_host)
SESSION_TOKEN = "operator_session"


def signed_in_operator() -> PlatformOperator | None:
    """The active operator this platform-domain session belongs to, if any."""
    operator_id = services.session_operator_id(session.get(SESSION_TOKEN))
    operator = db.session.get(PlatformOperator, operator_id) if operator_id is not None else None
    return operator if operator is not None and operator.is_active else None


def operators_only(view):
    """Only a signed-in platform operator (a platform-domain session, not a firm user)."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        operator = signed_in_operator()
        if operator is None:
            return redirect(url_for("operators.login"))
        g.operator = operator
        return view(*args, **kwargs)

    return _declare(guarded, "operator")


@bp.route("/login", methods=["GET", "POST"])
@anyone
def login():
    error = None
    typed = [request.form.get(name, "") for name in ("email", "password", "code")]
    if request.method == "POST" and any(has_control_characters(value) for value in typed):
        error = _("Wrong e-mail, password or code.")
    elif request.method == "POST":
        operator = services.authenticate(
            request.form.get("email", ""),
            request.form.get("password", ""),
            request.form.get("code", ""),
        )
        if operator is not None:
            session.clear()
            session[SESSION_TOKEN] = services.open_operator_session(operator.id)
            return redirect(url_for("operators.index"), 303)
        error = _("Wrong e-mail, password or code.")
    return render_template("operators/login.html", error=error), 422 if error else 200


@bp.route("/logout", methods=["POST"])
@anyone
def logout():
    services.end_operator_session(session.pop(SESSION_TOKEN, None))
    return redirect(url_for("operators.login"), 303)


@bp.route("/")
@operators_only
def index():
    return render_template("operators/index.html", firms=services.firms_overview())


@bp.route("/firms/<slug>/<action>", methods=["POST"])
@operators_only
def set_status(slug, action):
    if action not in ("suspend", "resume"):
        abort(404)
    firm = or_404(services.get_firm(slug))
    services.set_status(firm.slug, "suspended" if action == "suspend" else "active", g.operator)
    flash(
        _("%(firm)s is suspended.", firm=slug)
        if action == "suspend"
        else _("%(firm)s is active again.", firm=slug),
        "success",
    )
    return redirect(url_for("operators.index"), 303)


@bp.route("/firms/<slug>/support", methods=["POST"])
@operators_only
def support(slug):
    """Sign in as the firm's owner to help, only if the owner allowed it; the firm's log shows it."""
    firm = or_404(services.get_firm(slug))
    with user_errors_on(FlaskForm()) as outcome:  # a refusal is flashed on the console
        info, token = services.support_sign_in(firm.slug, g.operator)
    if not outcome.ok:
        return redirect(url_for("operators.index"), 303)
    return redirect(f"{firm_base_url(info)}/auth/handoff?token={token}", 303)


@bp.route("/health")
@operators_only
def health():
    beat = heartbeat.snapshot(current_app.config["CLAIM_LATENESS_WARN_SECONDS"])
    return render_template("operators/health.html", health=services.health(), beat=beat)


@bp.route("/metrics")
@anyone  # an operator session or the bearer token, checked here
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    offered = request.headers.get("Authorization", "")
    if not (token and hmac.compare_digest(offered, f"Bearer {token}")) and not signed_in_operator():
        abort(401)
    body, content_type = heartbeat.prometheus_text(
        current_app.config["CLAIM_LATENESS_WARN_SECONDS"]
    )
    return Response(body, content_type=content_type)
