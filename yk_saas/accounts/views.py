"""Sign-in, sign-out, invitations and password resets on a firm's host."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants import db
from yk_saas.access import anyone, require_firm_host
from yk_saas.accounts import services
from yk_saas.accounts.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    TotpForm,
)
from yk_saas.accounts.models import User
from yk_saas.accounts.session import home_url_for, redirect_home, sign_in, sign_out
from yk_saas.accounts.tokens import redeem_handoff_token
from yk_saas.mail.jobs import enqueue_delivery
from yk_saas.ratelimit import rate_limited
from yk_saas.urls import safe_next

bp = Blueprint("accounts", __name__)
bp.before_request(require_firm_host)


@bp.route("/login", methods=["GET", "POST"])
@anyone
# Per address only: a per-account limit would let anyone lock a person out from
# everywhere. Guessing one account is slowed per (address, account) in services.
@rate_limited("login", limit=20, per_seconds=300)
def login():
    if current_user.is_authenticated:
        return redirect_home(current_user)
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = services.authenticate(
            form.email.data, form.password.data, request.remote_addr or ""
        )
        if result.alert_email_id:
            enqueue_delivery(result.alert_email_id)
        if result.error:
            flash(result.error, "error")
        elif result.user.totp_secret:
            session.clear()
            session.update(pending_2fa=result.user.id, firm=g.tenant.slug, next=form.next.data)
            return redirect(url_for("accounts.second_factor"))
        else:
            sign_in(result.user)
            return redirect(safe_next(form.next.data, home_url_for(result.user)))
    return render_template(
        "accounts/login.html", form=form
    ), 200 if request.method == "GET" else 422


@bp.route("/login/code", methods=["GET", "POST"])
@anyone
@rate_limited("login-code", limit=10, per_seconds=300)
def second_factor():
    user_id = session.get("pending_2fa")
    if not user_id or session.get("firm") != g.tenant.slug:
        return redirect(url_for("accounts.login"))
    user = db.session.get(User, user_id)
    form = TotpForm()
    if user is None:
        return redirect(url_for("accounts.login"))
    if form.validate_on_submit():
        result = services.check_second_factor(user, form.code.data, request.remote_addr or "")
        if result.alert_email_id:
            enqueue_delivery(result.alert_email_id)
        if result.user is not None:
            target = session.get("next")
            sign_in(user)
            return redirect(safe_next(target, home_url_for(user)))
        flash(result.error, "error")
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
@anyone
def logout():
    sign_out()
    return redirect(url_for("common.home"))


@bp.route("/auth/handoff")
@anyone
def handoff():
    """Arrive signed in from the platform's signup page, once, within a minute."""
    user_id = redeem_handoff_token(request.args.get("token", ""), g.tenant.slug)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        flash(_("That sign-in link has expired. Please sign in."), "error")
        return redirect(url_for("accounts.login"))
    sign_in(user)
    flash(_("Welcome to your firm's console."), "success")
    return redirect_home(user)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@anyone
def accept_invitation(token):
    invitation = services.open_invitation(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html"), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.name.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            sign_in(user)
            return redirect_home(user)
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


@bp.route("/password/forgot", methods=["GET", "POST"])
@anyone
@rate_limited("reset", limit=5, per_seconds=900, field="email")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email_id = services.request_password_reset(form.email.data)
        if email_id:
            enqueue_delivery(email_id)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@anyone
def reset_password(token):
    if services.open_password_reset(token) is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            flash(_("Your password was changed. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
