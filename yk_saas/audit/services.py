"""Recording sensitive actions. Call ``record_audit`` inside the action's transaction."""

from flask import has_request_context, request
from flask_login import current_user

from tenants import db
from yk_saas.audit.models import AuditEntry


def record_audit(action: str, target_type: str | None = None, target_id: int | None = None,
                 actor=None, **details) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (default: the signed-in user)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None),
        action=action, target_type=target_type, target_id=target_id, details=details,
    )
    if has_request_context():
        entry.ip = (request.remote_addr or "")[:64]
        entry.user_agent = (request.user_agent.string or "")[:300]
    db.session.add(entry)
    return entry
