"""Signing people in and out of one firm's site.

Every sign-in is a row in ``user_sessions``; the cookie carries a random id of
which only the hash is stored. A request is signed in only while its row
exists, so deleting rows signs browsers out: logout, a password change, a
disabled account. One indexed query per request, and ``last_seen_at`` is
written at most once every few minutes; nothing lives on the connection, so
it works behind PgBouncer in transaction mode.
"""

from datetime import timedelta

from flask import g, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update

from tenants import db
from yk_saas.accounts.models import User, UserSession
from yk_saas.accounts.tokens import hash_token, new_token
from yk_saas.models_base import utcnow

#: How often ``last_seen_at`` is refreshed, and how long an idle session lives.
TOUCH_EVERY = timedelta(minutes=5)
MAX_IDLE = timedelta(days=30)


def load_user(user_id: str) -> User | None:
    """The signed-in user, only on the firm whose host issued the session and while it is open."""
    firm, token = g.get("tenant"), session.get("sid")
    if firm is None or session.get("firm") != firm.slug or not user_id.isdigit():
        return None
    if not isinstance(token, str) or len(token) > 100:
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), User.id == int(user_id))
    ).first()
    now = utcnow()
    if row is None or not row.User.is_active or row.UserSession.last_seen_at < now - MAX_IDLE:
        return None
    g.user_session_id = row.UserSession.id
    if row.UserSession.last_seen_at < now - TOUCH_EVERY:
        db.session.execute(
            update(UserSession).where(UserSession.id == row.UserSession.id).values(last_seen_at=now)
        )
        # The touch stands on its own: a page that fails still keeps the session alive.
        db.session.commit()
    return row.User


def open_session(user: User) -> str:
    """Record a new session of ``user`` for this browser; returns the cookie's secret id."""
    token, token_hash = new_token()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_hash,
            user_agent=(request.user_agent.string or "")[:200],
            ip_address=(request.remote_addr or "")[:45],
            created_at=utcnow(),
            last_seen_at=utcnow(),
        )
    )
    # Sessions left idle too long are dropped when their owner signs in again.
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < utcnow() - MAX_IDLE
        )
    )
    return token


def current_session_hash() -> str | None:
    """The stored hash of this browser's session id, to keep it when ending the others."""
    token = session.get("sid")
    return hash_token(token) if isinstance(token, str) else None


def sign_in(user: User) -> None:
    """Start a fresh session (no fixation) bound to this firm, and log it."""
    from yk_saas.audit.services import record_audit

    locale = session.get("locale")
    session.clear()
    token = open_session(user)
    login_user(user)
    record_audit("sign_in", "user", user.id, actor=user)
    db.session.flush()
    session["firm"] = g.tenant.slug
    session["sid"] = token
    if locale:
        session["locale"] = locale


def sign_out() -> None:
    """End this browser's session for good: a copy of its cookie opens nothing afterwards."""
    token_hash = current_session_hash()
    if token_hash is not None:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))
    logout_user()
    session.clear()


def home_url_for(user: User) -> str:
    return url_for("desk.home") if user.is_staff else url_for("portal.home")


def redirect_home(user: User):
    return redirect(home_url_for(user))
