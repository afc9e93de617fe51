"""Acting on other people's accounts: disable, enable, role, two-factor, sessions, reset link.

Every action goes through ``services.may_manage`` first: the owner and admins act
only on accounts of a lower rank, so an admin can never take over an owner or
another admin. Each action ends the person's sessions where it changes what
they may do, and is audited. Each commits.
"""

from flask import current_app
from flask_babel import gettext as _

from tenants import db
from yk_saas import signals
from yk_saas.access import STAFF
from yk_saas.accounts.models import User
from yk_saas.accounts.services import (
    AccountError,
    end_sessions,
    may_manage,
    queue_password_reset,
)
from yk_saas.audit.services import record_audit


def _check(actor: User, target: User) -> None:
    if not may_manage(actor, target):
        raise AccountError(_("You cannot change this person's account."))


def disable_user(actor: User, target: User) -> None:
    """Stop ``target`` from signing in; their open sessions end now."""
    _check(actor, target)
    target.is_active = False
    end_sessions(target)
    record_audit("user_disabled", "user", target.id, actor=actor)
    db.session.flush()


def enable_user(actor: User, target: User) -> None:
    """Let a disabled person sign in again."""
    _check(actor, target)
    target.is_active = True
    signals.person_activated.send(
        current_app._get_current_object(), user_id=target.id, role=target.role
    )
    record_audit("user_enabled", "user", target.id, actor=actor)
    db.session.flush()


def change_role(actor: User, target: User, role: str) -> None:
    """Give a member of staff another staff role below the actor's own; their sessions end."""
    _check(actor, target)
    if target.role not in STAFF or role not in STAFF or not may_manage(actor, role):
        raise AccountError(_("You cannot give this role."))
    if role != target.role:
        record_audit("role_changed", "user", target.id, actor=actor, before=target.role, after=role)
        target.role = role
        end_sessions(target)
        if target.is_active:
            signals.person_activated.send(
                current_app._get_current_object(), user_id=target.id, role=role
            )
    db.session.flush()


def reset_two_factor(actor: User, target: User) -> None:
    """Turn off two-factor sign-in of someone who lost their app; their sessions end."""
    _check(actor, target)
    target.totp_secret = None
    end_sessions(target)
    record_audit("two_factor_reset", "user", target.id, actor=actor)
    db.session.flush()


def sign_out_everywhere(actor: User, target: User) -> int:
    """End every session of ``target``; returns how many ended."""
    _check(actor, target)
    ended = end_sessions(target)
    record_audit("sessions_ended", "user", target.id, actor=actor, count=ended)
    db.session.flush()
    return ended


def send_password_reset(actor: User, target: User) -> int:
    """Mail ``target`` a reset link that only they can read; returns the e-mail id."""
    _check(actor, target)
    if not target.is_active:
        raise AccountError(_("This account is disabled."))
    record_audit("password_reset_sent", "user", target.id, actor=actor)
    return queue_password_reset(target)
