"""The signed-in user's own account: profile, language, password, two-factor, sessions."""

import pyotp
from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tenants import db
from yk_saas.access import ROLES, require_firm_host, roles
from yk_saas.accounts import services
from yk_saas.accounts.forms import ChangePasswordForm, DisableTotpForm, EnableTotpForm, ProfileForm
from yk_saas.accounts.session import current_session_hash, sign_out

bp = Blueprint("account", __name__, url_prefix="/account")
bp.before_request(require_firm_host)


def _render(**forms):
    forms.setdefault("profile_form", ProfileForm(obj=current_user))
    forms.setdefault("password_form", ChangePasswordForm())
    return render_template(
        "account/profile.html",
        sessions=services.active_sessions(current_user),
        current_session_id=g.get("user_session_id"),
        **forms,
    )


@bp.route("/", methods=["GET", "POST"])
@roles(*ROLES)
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.name.data, form.phone.data, form.locale.data)
        except services.AccountError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            session.pop("locale", None)
            flash(_("Saved."), "success")
            return redirect(url_for("account.profile"))
    return _render(profile_form=form)


@bp.route("/password", methods=["POST"])
@roles(*ROLES)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current.data, form.password.data, keep=current_session_hash()
            )
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            flash(_("Your password was changed."), "success")
            return redirect(url_for("account.profile"))
    return _render(password_form=form), 422


@bp.route("/two-factor", methods=["GET", "POST"])
@roles("owner", "admin", "accountant")
def two_factor():
    """Show a fresh secret to enrol an authenticator app, then confirm it with a code."""
    enable_form, disable_form = EnableTotpForm(), DisableTotpForm()
    if current_user.totp_secret:
        if disable_form.validate_on_submit():
            try:
                services.disable_totp(
                    current_user, disable_form.password.data, keep=current_session_hash()
                )
            except services.AccountError as exc:
                disable_form.password.errors.append(str(exc))
            else:
                flash(_("Two-factor sign-in is off."), "success")
                return redirect(url_for("account.two_factor"))
        return render_template("account/two_factor.html", disable_form=disable_form)
    secret = session.get("totp_setup") or pyotp.random_base32()
    session["totp_setup"] = secret
    if enable_form.validate_on_submit():
        try:
            services.enable_totp(
                current_user, secret, enable_form.code.data, keep=current_session_hash()
            )
        except services.AccountError as exc:
            enable_form.code.errors.append(str(exc))
        else:
            session.pop("totp_setup", None)
            flash(_("Two-factor sign-in is on."), "success")
            return redirect(url_for("account.two_factor"))
    uri = services.totp_uri(current_user, secret, g.tenant.name)
    return render_template(
        "account/two_factor.html",
        enable_form=enable_form,
        secret=secret,
        uri=uri,
        qr=services.totp_qr_image(uri),
    )


@bp.route("/sessions/others", methods=["POST"])
@roles(*ROLES)
def end_other_sessions():
    """Sign out everywhere else: every browser but this one."""
    ended = services.end_other_sessions(current_user, current_session_hash())
    flash(_("Signed out of %(n)d other sessions.", n=ended), "success")
    return redirect(url_for("account.profile"), 303)


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@roles(*ROLES)
def end_session(session_id):
    """Sign one browser out; ending this very one signs out here too."""
    current = session_id == g.get("user_session_id")
    if not services.end_own_session(current_user, session_id):
        abort(404)
    if current:
        sign_out()
        return redirect(url_for("accounts.login"), 303)
    flash(_("That session has ended."), "success")
    return redirect(url_for("account.profile"), 303)
