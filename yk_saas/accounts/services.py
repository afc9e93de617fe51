"""Accounts: sign-in with lockout, invitations, password resets, two-factor login."""

from dataclasses import dataclass
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from tenants import db
from yk_saas.access import CLIENT, MANAGERS, ROLES, STAFF
from yk_saas.accounts.models import Invitation, PasswordReset, User
from yk_saas.accounts.passwords import DUMMY_HASH, hash_password, password_problem, verify_password
from yk_saas.accounts.tokens import hash_token, new_token
from yk_saas.audit.services import record_audit
from yk_saas.mail.services import queue_email
from yk_saas.models_base import utcnow
from yk_saas.urls import firm_url

INVITATION_DAYS = 7
RESET_MINUTES = 60


class AccountError(ValueError):
    """Something the user can fix; the message is shown as it is."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(email: str, name: str, role: str, password: str, **fields) -> User:
    """Add a user after checking role, address and password; the caller commits."""
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    if role == CLIENT and not fields.get("client_company_id"):
        raise AccountError(_("A client user must belong to a client company."))
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem)
    if find_user_by_email(email):
        raise AccountError(_("An account with this e-mail address already exists."))
    user = User(email=email.strip(), name=name.strip(), role=role,
                password_hash=hash_password(password), **fields)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class SignInResult:
    user: User | None = None
    error: str | None = None


def authenticate(email: str, password: str) -> SignInResult:
    """Check a password, counting failures and locking the account after too many."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        verify_password(DUMMY_HASH, password)
        return SignInResult(error=_("Wrong e-mail address or password."))
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return SignInResult(error=_("Too many failed attempts. Try again in %(m)d minutes.", m=minutes))
    if not verify_password(user.password_hash, password):
        record_audit("sign_in_failed", "user", user.id, actor=user)
        register_failed_login(user)
        return SignInResult(error=_("Wrong e-mail address or password."))
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.commit()
    return SignInResult(user=user)


def register_failed_login(user: User) -> None:
    # Counted in SQL so concurrent wrong guesses cannot overwrite each other.
    user.failed_logins = User.failed_logins + 1
    db.session.flush()
    db.session.refresh(user, ["failed_logins"])
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
    db.session.commit()


def invite_user(email: str, role: str, invited_by: User, client_company_id: int | None = None) -> int:
    """Record an invitation and queue its e-mail; returns the outbox message id."""
    email = email.strip()
    if role not in ROLES or (role in MANAGERS and not invited_by.is_manager):
        raise AccountError(_("You cannot invite someone with this role."))
    if role == "owner" and invited_by.role != "owner":
        raise AccountError(_("Only the owner can invite another owner."))
    if role == CLIENT and not client_company_id:
        raise AccountError(_("Choose the client company this person belongs to."))
    if find_user_by_email(email):
        raise AccountError(_("An account with this e-mail address already exists."))
    token, token_hash = new_token()
    invitation = Invitation(email=email, role=role, client_company_id=client_company_id,
                            token_hash=token_hash, invited_by_id=invited_by.id,
                            expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    record_audit("invitation_sent", "invitation", invitation.id, actor=invited_by, email=email, role=role)
    message = queue_email(email, "invitation", "invitation", inviter=invited_by,
                          invitation=invitation, link=firm_url("auth.accept_invitation", token=token))
    db.session.commit()
    return message.id


def open_invitation(token: str) -> Invitation | None:
    """The pending, unexpired invitation behind a link, or None."""
    return db.session.scalar(
        select(Invitation).where(
            Invitation.token_hash == hash_token(token),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        ).with_for_update()
    )


def accept_invitation(token: str, name: str, password: str) -> User:
    """Turn an invitation into an account, once."""
    invitation = open_invitation(token)
    if invitation is None:
        raise AccountError(_("This invitation link is invalid, used or expired."))
    user = create_user(invitation.email, name, invitation.role, password,
                       client_company_id=invitation.client_company_id)
    invitation.accepted_at = utcnow()
    db.session.commit()
    return user


def revoke_invitation(invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_audit("invitation_revoked", "invitation", invitation.id, email=invitation.email)
        db.session.commit()


def pending_invitations(role_group=STAFF):
    return db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
               Invitation.role.in_(role_group))
        .order_by(Invitation.created_at.desc())
    ).all()


def request_password_reset(email: str) -> int | None:
    """Queue a reset link if the account exists; the page says the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return None
    token, token_hash = new_token()
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash,
                                 expires_at=utcnow() + timedelta(minutes=RESET_MINUTES)))
    message = queue_email(user.email, "password_reset", "password_reset", user=user,
                          link=firm_url("auth.reset_password", token=token),
                          minutes=RESET_MINUTES)
    db.session.commit()
    return message.id


def open_password_reset(token: str) -> PasswordReset | None:
    return db.session.scalar(
        select(PasswordReset).where(
            PasswordReset.token_hash == hash_token(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > utcnow(),
        ).with_for_update()
    )


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link, once; unlocks the account."""
    reset = open_password_reset(token)
    if reset is None:
        raise AccountError(_("This reset link is invalid, used or expired."))
    user = db.session.get(User, reset.user_id)
    set_password(user, password)
    user.failed_logins, user.locked_until = 0, None
    reset.used_at = utcnow()
    record_audit("password_reset", "user", user.id, actor=user)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is wrong."))
    set_password(user, new)
    db.session.commit()


def update_profile(user: User, name: str, phone: str | None, locale: str | None) -> None:
    if not name.strip():
        raise AccountError(_("Enter your name."))
    user.name, user.phone = name.strip()[:100], (phone or "").strip()[:32] or None
    user.locale = locale if locale in ("zh_CN", "en") else None
    db.session.commit()


def totp_uri(user: User, secret: str, firm_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=firm_name)


def enable_totp(user: User, secret: str, code: str) -> None:
    """Turn on two-factor sign-in once the user proved their app shows the right code."""
    if not user.is_staff:
        raise AccountError(_("Two-factor sign-in is for staff accounts."))
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise AccountError(_("That code is not right. Check your authenticator app's clock."))
    user.totp_secret = secret
    record_audit("two_factor_on", "user", user.id, actor=user)
    db.session.commit()


def disable_totp(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise AccountError(_("The current password is wrong."))
    user.totp_secret = None
    record_audit("two_factor_off", "user", user.id, actor=user)
    db.session.commit()


def check_totp(user: User, code: str) -> bool:
    return bool(user.totp_secret) and pyotp.TOTP(user.totp_secret).verify(
        (code or "").strip(), valid_window=1
    )
