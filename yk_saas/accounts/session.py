"""Signing people in and out of one firm's site."""

from flask import g, redirect, session, url_for
from flask_login import login_user, logout_user

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.extensions import login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user, only on the firm whose host issued the session."""
    firm = g.get("tenant")
    if firm is None or session.get("firm") != firm.slug or not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def sign_in(user: User) -> None:
    """Start a fresh session (no fixation) bound to this firm, and log it."""
    from yk_saas.audit.services import record_audit

    locale = session.get("locale")
    session.clear()
    login_user(user)
    record_audit("sign_in", "user", user.id, actor=user)
    db.session.commit()
    session["firm"] = g.tenant.slug
    if locale:
        session["locale"] = locale


def sign_out() -> None:
    logout_user()
    session.clear()


def home_url_for(user: User) -> str:
    return url_for("desk.home") if user.is_staff else url_for("portal.home")


def redirect_home(user: User):
    return redirect(home_url_for(user))
