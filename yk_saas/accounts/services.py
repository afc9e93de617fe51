"""Accounts: sign-in with throttling, the rank rule, invitations, password resets, two-factor login."""

from dataclasses import dataclass
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from tenants import current_tenant, db
from yk_saas import signals
from yk_saas.access import ACCOUNTANT, ADMIN, CLIENT, MANAGERS, OWNER, ROLES, STAFF
from yk_saas.accounts import throttle
from yk_saas.accounts.models import Invitation, PasswordReset, User, UserSession
from yk_saas.accounts.passwords import DUMMY_HASH, hash_password, password_problem, verify_password
from yk_saas.accounts.tokens import hash_token, new_token
from yk_saas.audit.services import record_audit
from yk_saas.errors import UserError
from yk_saas.mail.services import queue_email
from yk_saas.models_base import utcnow
from yk_saas.urls import firm_url

INVITATION_DAYS = 7
RESET_MINUTES = 60


class AccountError(UserError):
    """Something the user can fix; the message is shown as it is."""


#: Who outranks whom. Everyone acts only on accounts of a lower rank.
RANK = {OWNER: 3, ADMIN: 2, ACCOUNTANT: 1, CLIENT: 0}


def may_manage(actor: User | None, target: "User | str") -> bool:
    """The one rank rule of account management: may ``actor`` act on ``target``?

    ``target`` is an account or a role (to invite, or to give). Only the owner and
    admins manage accounts, and only of a strictly lower rank: an admin never
    acts on an owner or another admin, nobody on themselves through these
    actions (their own account page is for that), an accountant on nobody.
    """
    role = target if isinstance(target, str) else target.role
    if actor is None or not actor.is_active or role not in RANK or actor.role not in MANAGERS:
        return False
    if isinstance(target, User) and target.id == actor.id:
        return False
    return RANK[actor.role] > RANK[role]


def end_sessions(user: User, keep: str | None = None) -> int:
    """Sign ``user`` out of every browser but the session whose hash is ``keep``; flushes."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.token_hash != keep)
    return db.session.execute(query).rowcount


def active_sessions(user: User) -> list[UserSession]:
    """The browsers where ``user`` is signed in, most recently seen first."""
    return db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id)
        .order_by(UserSession.last_seen_at.desc())
    ).all()


def end_own_session(user: User, session_id: int) -> bool:
    """Sign one of one's own browsers out; False if it is not theirs or already gone."""
    ended = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    ).rowcount
    if not ended:
        return False
    record_audit("session_ended", "user", user.id, actor=user)
    db.session.flush()
    return True


def end_other_sessions(user: User, keep: str | None) -> int:
    """ "Sign out everywhere else": every session of ``user`` but this one ends."""
    ended = end_sessions(user, keep)
    record_audit("sessions_ended", "user", user.id, actor=user, count=ended)
    db.session.flush()
    return ended


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
    user = User(
        email=email.strip(),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    if user.is_active is not False:
        signals.person_activated.send(current_app._get_current_object(), user_id=user.id, role=role)
    return user


@dataclass
class SignInResult:
    user: User | None = None
    error: str | None = None
    alert_email_id: int | None = None


def throttled_message(seconds: int) -> str:
    return _("Too many failed attempts. Try again in %(s)d seconds.", s=seconds)


def authenticate(email: str, password: str, address: str) -> SignInResult:
    """Check a password; wrong ones slow down that address for that account only.

    An unknown or disabled account costs the same Argon2 verification and gets
    the same answers as a real one, throttling included.
    """
    firm = current_tenant().slug
    wait = throttle.wait_seconds(firm, address, email)
    if wait:
        return SignInResult(error=throttled_message(wait))
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        verify_password(DUMMY_HASH, password)
        user = None
    elif verify_password(user.password_hash, password):
        throttle.forget(firm, address, email)
        user.last_login_at = utcnow()
        db.session.flush()
        return SignInResult(user=user)
    throttle.record_failure(firm, address, email)
    return SignInResult(
        error=_("Wrong e-mail address or password."),
        alert_email_id=register_failed_login(user) if user else None,
    )


def register_failed_login(user: User) -> int | None:
    """Audit a failed attempt; warn the person by e-mail once per window of repeated failures.

    Returns the id of the warning e-mail to enqueue, if one was written.
    """
    record_audit("sign_in_failed", "user", user.id, actor=user)
    email_id = None
    if throttle.should_alert(current_tenant().slug, user.id):
        email_id = queue_email(
            user.email,
            "sign_in_alert",
            "sign_in_alert",
            user=user,
            link=firm_url("accounts.forgot_password"),
        ).id
    # The request answers with an error, which rolls back: the record of the failed attempt
    # and the person's warning must stand regardless.
    db.session.commit()
    return email_id


def invite_user(
    email: str, role: str, invited_by: User, client_company_id: int | None = None
) -> int:
    """Record an invitation and queue its e-mail; returns the outbox message id."""
    email = email.strip()
    if not may_manage(invited_by, role):
        raise AccountError(_("You cannot invite someone with this role."))
    if role == CLIENT and not client_company_id:
        raise AccountError(_("Choose the client company this person belongs to."))
    if find_user_by_email(email):
        raise AccountError(_("An account with this e-mail address already exists."))
    token, token_hash = new_token()
    invitation = Invitation(
        email=email,
        role=role,
        client_company_id=client_company_id,
        token_hash=token_hash,
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    record_audit(
        "invitation_sent", "invitation", invitation.id, actor=invited_by, email=email, role=role
    )
    message = queue_email(
        email,
        "invitation",
        "invitation",
        inviter=invited_by,
        invitation=invitation,
        secret={"link": firm_url("accounts.accept_invitation", token=token)},
    )
    db.session.flush()
    return message.id


def open_invitation(token: str) -> Invitation | None:
    """The pending, unexpired invitation behind a link, or None."""
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.token_hash == hash_token(token),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .with_for_update()
    )


def accept_invitation(token: str, name: str, password: str) -> User:
    """Turn an invitation into an account, once."""
    invitation = open_invitation(token)
    if invitation is None:
        raise AccountError(_("This invitation link is invalid, used or expired."))
    user = create_user(
        invitation.email,
        name,
        invitation.role,
        password,
        client_company_id=invitation.client_company_id,
    )
    invitation.accepted_at = utcnow()
    db.session.flush()
    return user


def revoke_invitation(invitation: Invitation, actor: User) -> None:
    """Withdraw a pending invitation to a role below the actor's."""
    if not may_manage(actor, invitation.role):
        raise AccountError(_("You cannot withdraw this invitation."))
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        record_audit(
            "invitation_revoked", "invitation", invitation.id, actor=actor, email=invitation.email
        )
        db.session.flush()


def pending_invitations(role_group=STAFF):
    return db.session.scalars(
        select(Invitation)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.role.in_(role_group),
        )
        .order_by(Invitation.created_at.desc())
    ).all()


def request_password_reset(email: str) -> int | None:
    """Queue a reset link if the account exists; the page says the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return None
    return queue_password_reset(user)


def queue_password_reset(user: User) -> int:
    """Write a reset link for ``user`` into a mail only they can read; commits, returns its id."""
    token, token_hash = new_token()
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
        )
    )
    message = queue_email(
        user.email,
        "password_reset",
        "password_reset",
        user=user,
        minutes=RESET_MINUTES,
        secret={"link": firm_url("accounts.reset_password", token=token)},
    )
    db.session.flush()
    return message.id


def open_password_reset(token: str) -> PasswordReset | None:
    return db.session.scalar(
        select(PasswordReset)
        .where(
            PasswordReset.token_hash == hash_token(token),
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > utcnow(),
        )
        .with_for_update()
    )


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link, once; unlocks the account."""
    reset = open_password_reset(token)
    if reset is None:
        raise AccountError(_("This reset link is invalid, used or expired."))
    user = db.session.get(User, reset.user_id)
    set_password(user, password)
    reset.used_at = utcnow()
    end_sessions(user)
    record_audit("password_reset", "user", user.id, actor=user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str, keep: str | None = None) -> None:
    """Change one's own password; every other session of the person ends (``keep`` stays)."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_("The current password is wrong."))
    set_password(user, new)
    end_sessions(user, keep)
    record_audit("password_changed", "user", user.id, actor=user)
    db.session.flush()


def update_profile(user: User, name: str, phone: str | None, locale: str | None) -> None:
    if not name.strip():
        raise AccountError(_("Enter your name."))
    user.name, user.phone = name.strip()[:100], (phone or "").strip()[:32] or None
    user.locale = locale if locale in ("zh_CN", "en") else None
    db.session.flush()


def totp_uri(user: User, secret: str, firm_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=firm_name)


def totp_qr_image(uri: str) -> str:
    """The set-up ``uri`` as a QR code, an SVG ``data:`` URI drawn here (the CSP allows data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def enable_totp(user: User, secret: str, code: str, keep: str | None = None) -> None:
    """Turn on two-factor sign-in once the user proved their app shows the right code."""
    if not user.is_staff:
        raise AccountError(_("Two-factor sign-in is for staff accounts."))
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise AccountError(_("That code is not right. Check your authenticator app's clock."))
    user.totp_secret = secret
    end_sessions(user, keep)
    record_audit("two_factor_on", "user", user.id, actor=user)
    db.session.flush()


def disable_totp(user: User, password: str, keep: str | None = None) -> None:
    if not verify_password(user.password_hash, password):
        raise AccountError(_("The current password is wrong."))
    user.totp_secret = None
    end_sessions(user, keep)
    record_audit("two_factor_off", "user", user.id, actor=user)
    db.session.flush()


def check_second_factor(user: User, code: str, address: str) -> SignInResult:
    """The code step of sign-in, throttled like the password for this address and account."""
    firm = current_tenant().slug
    wait = throttle.wait_seconds(firm, address, user.email)
    if wait:
        return SignInResult(error=throttled_message(wait))
    if check_totp(user, code):
        throttle.forget(firm, address, user.email)
        return SignInResult(user=user)
    throttle.record_failure(firm, address, user.email)
    return SignInResult(
        error=_("That code is not right."), alert_email_id=register_failed_login(user)
    )


def check_totp(user: User, code: str) -> bool:
    return bool(user.totp_secret) and pyotp.TOTP(user.totp_secret).verify(
        (code or "").strip(), valid_window=1
    )
