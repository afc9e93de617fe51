"""The platform domain: landing page and firm signup."""

from flask import Blueprint, current_app, redirect, render_template, request

from tenants import db
from yk_saas.access import anyone, require_platform_host
from yk_saas.accounts.tokens import make_handoff_token
from yk_saas.errors import form_status, user_errors_on
from yk_saas.extensions import htmx
from yk_saas.platform import services
from yk_saas.platform.forms import SignupForm
from yk_saas.ratelimit import rate_limited
from yk_saas.urls import firm_base_url

bp = Blueprint("platform", __name__)
bp.before_request(require_platform_host)


def landing_page():
    """Served at "/" of the platform domain (see common.home)."""
    return render_template("platform/landing.html", form=SignupForm())


@bp.route("/signup", methods=["GET", "POST"])
@anyone
@rate_limited("signup", limit=10, per_seconds=3600)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        data = services.FirmSignup(
            firm_name=form.firm_name.data,
            slug=(form.slug.data or "").strip().lower(),
            owner_name=form.owner_name.data,
            email=form.email.data,
            password=form.password.data,
            locale=form.locale.data,
        )
        problems = services.signup_problems(data)
        for field, message in problems.items():
            getattr(form, field).errors.append(message)
        if not problems:
            with user_errors_on(form, "slug") as outcome:
                firm, owner_id = services.signup_firm(data)
            if outcome.ok:
                token = make_handoff_token(firm.slug, owner_id)
                return redirect(f"{firm_base_url(firm)}/auth/handoff?token={token}", 303)
    return render_template(
        "platform/signup.html", form=form, platform_domain=current_app.config["PLATFORM_DOMAIN"]
    ), form_status(form)


@bp.route("/signup/subdomain")
@anyone
def check_subdomain():
    """HTMX: say at once whether the subdomain typed can be had."""
    slug = request.args.get("slug", "").strip().lower()
    problem = services.subdomain_problem(slug) if slug else None
    db.session.rollback()
    return render_template(
        "platform/_subdomain_check.html",
        slug=slug,
        problem=problem,
        checked=bool(slug) and htmx is not None,
        platform_domain=current_app.config["PLATFORM_DOMAIN"],
    )
