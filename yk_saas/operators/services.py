"""The operator console's logic: operators, the firms overview, suspension, support, health."""

from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text, update

from tenants import db, tenant_context
from tenants.models import Tenant
from tenants.naming import quote_schema
from tenants.resolve import resolver
from yk_saas.accounts.passwords import hash_password, verify_password
from yk_saas.errors import UserError
from yk_saas.models_base import utcnow
from yk_saas.operators.models import PlatformOperator

PROBLEMS = {
    "exists": _l("An operator with this e-mail already exists."),
    "status": _l("A firm is either active or suspended."),
    "missing": _l("There is no such firm."),
    "no_owner": _l("The firm has no active owner to sign in as."),
    "consent": _l("The firm's owner has not allowed support sign-in."),
    "suspended": _l("The firm is suspended."),
}


class OperatorError(UserError):
    """An operator action refused: the message is for the operator, ``code`` for callers."""

    def __init__(self, code: str):
        super().__init__(str(PROBLEMS[code]))
        self.code = code


def get_firm(slug: str) -> Tenant | None:
    """The firm with this slug, or None (operators see every firm)."""
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def create_operator(
    email: str, password: str, name: str = "", with_totp: bool = False
) -> PlatformOperator:
    """Add an operator (the caller commits); with ``with_totp`` a TOTP secret is set."""
    email = email.strip().lower()
    if db.session.scalar(select(PlatformOperator.id).where(PlatformOperator.email == email)):
        raise OperatorError("exists")
    operator = PlatformOperator(
        email=email,
        name=name,
        password_hash=hash_password(password),
        totp_secret=pyotp.random_base32() if with_totp else None,
    )
    db.session.add(operator)
    return operator


def authenticate(email: str, password: str, code: str = "") -> PlatformOperator | None:
    """The operator these credentials (and TOTP code, if the operator has one) prove."""
    operator = db.session.scalar(
        select(PlatformOperator).where(
            PlatformOperator.email == (email or "").strip().lower(),
            PlatformOperator.is_active.is_(True),
        )
    )
    if operator is None or not verify_password(operator.password_hash, password or ""):
        return None
    if operator.totp_secret and not pyotp.TOTP(operator.totp_secret).verify(
        (code or "").strip(), valid_window=1
    ):
        return None
    operator.last_login_at = utcnow()
    return operator


@dataclass
class FirmRow:
    slug: str
    name: str
    plan: str
    status: str
    users: int
    items: int | None
    storage_bytes: int
    last_activity: datetime | None
    support_consent: bool


def firm_figures(schema: str) -> tuple[int, int | None, int, datetime | None]:
    """(users, work items or None, stored bytes, last activity) of one firm schema."""
    s = quote_schema(schema)
    has_items = db.session.scalar(text("SELECT to_regclass(:t)"), {"t": f"{s}.work_items"})
    items = f"(SELECT count(*) FROM {s}.work_items)" if has_items else "NULL"
    row = db.session.execute(
        text(
            f"SELECT (SELECT count(*) FROM {s}.users), {items}, "
            f"(SELECT coalesce(sum(size), 0) FROM {s}.stored_files), "
            f"greatest((SELECT max(last_login_at) FROM {s}.users), (SELECT max(at) FROM {s}.audit_entries))"
        )
    ).one()
    return int(row[0]), row[1], int(row[2]), row[3]


def firms_overview() -> list[FirmRow]:
    rows = []
    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.id)):
        users, items, storage, last = firm_figures(tenant.schema_name)
        rows.append(
            FirmRow(
                tenant.slug,
                tenant.name,
                tenant.plan,
                tenant.status,
                users,
                items,
                storage,
                last,
                bool((tenant.branding or {}).get("support_consent")),
            )
        )
    return rows


def _operator_actor(operator: PlatformOperator):
    return SimpleNamespace(id=None, email=f"operator:{operator.email}")


def set_status(slug: str, status: str, operator: PlatformOperator) -> None:
    """Suspend or resume a firm; the firm's own audit log records it."""
    from yk_saas.audit.services import record_audit

    if status not in ("active", "suspended"):
        raise OperatorError("status")
    actor = _operator_actor(operator)  # the firm binding below starts a new session
    tenant = get_firm(slug)
    if tenant is None:
        raise OperatorError("missing")
    db.session.execute(update(Tenant).where(Tenant.id == tenant.id).values(status=status))
    db.session.commit()  # the firm binding below starts a new session, dropping uncommitted work
    resolver.invalidate()
    with tenant_context(slug):
        record_audit(
            "firm_suspended" if status == "suspended" else "firm_resumed", "firm", None, actor=actor
        )
        db.session.commit()  # the firm's session ends with the block, before any boundary


#: An operator's session lasts this long after sign-in, and ends at logout.
OPERATOR_SESSION_SECONDS = 12 * 3600


def _operator_session_key(token: str) -> str:
    from yk_saas.accounts.tokens import hash_token

    return f"yk:opsession:{hash_token(token)}"


def open_operator_session(operator_id: int) -> str:
    """Record a server-side session for an operator; returns the cookie's secret id."""
    from yk_saas.accounts.tokens import new_token
    from yk_saas.extensions import redis_conn

    token = new_token()[0]
    redis_conn().set(_operator_session_key(token), operator_id, ex=OPERATOR_SESSION_SECONDS)
    return token


def session_operator_id(token) -> int | None:
    """The operator whose open session ``token`` is, or None (unknown, ended or expired)."""
    from yk_saas.extensions import redis_conn

    if not isinstance(token, str) or len(token) > 100:
        return None
    value = redis_conn().get(_operator_session_key(token))
    return int(value) if value is not None else None


def end_operator_session(token) -> None:
    """Logout: a copy of the cookie opens nothing afterwards."""
    from yk_saas.extensions import redis_conn

    if isinstance(token, str):
        redis_conn().delete(_operator_session_key(token))


def support_sign_in(slug: str, operator: PlatformOperator) -> tuple:
    """(firm, one-time sign-in token as the owner), only with the owner's consent; audited."""
    from yk_saas.accounts.models import User
    from yk_saas.accounts.tokens import make_handoff_token
    from yk_saas.audit.services import record_audit

    tenant = get_firm(slug)
    if tenant is None:
        raise OperatorError("missing")
    if not (tenant.branding or {}).get("support_consent"):
        raise OperatorError("consent")
    if tenant.status == "suspended":
        raise OperatorError("suspended")
    info = tenant.info()
    actor = _operator_actor(operator)  # the firm binding below starts a new session
    with tenant_context(info):
        owner = db.session.scalar(
            select(User)
            .where(User.role == "owner", User.is_active.is_(True))
            .order_by(User.id)
            .limit(1)
        )
        if owner is None:
            raise OperatorError("no_owner")
        record_audit("support_sign_in", "user", owner.id, actor=actor, operator=actor.email)
        db.session.commit()  # the firm's session ends with the block, before any boundary
        return info, make_handoff_token(slug, owner.id)


def health() -> dict:
    """Queues, failed jobs, workers and schemas, for the health page."""
    from rq import Worker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    from yk_saas.extensions import QUEUE_NAMES, queue, redis_conn

    queues = []
    for name in QUEUE_NAMES:
        q = queue(name)
        queues.append(
            {
                "name": name,
                "waiting": q.count,
                "started": StartedJobRegistry(queue=q).count,
                "scheduled": ScheduledJobRegistry(queue=q).count,
                "failed": FailedJobRegistry(queue=q).count,
            }
        )
    now = datetime.now(UTC)
    workers = []
    for worker in Worker.all(connection=redis_conn()):
        beat = worker.last_heartbeat
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        workers.append(
            {
                "name": worker.name,
                "state": worker.get_state(),
                "last_heartbeat": beat,
                "age_seconds": int((now - beat).total_seconds()) if beat else None,
            }
        )
    schemas = db.session.scalar(
        text("SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'")
    )
    firms = db.session.scalar(select(func.count(Tenant.id)))
    return {"queues": queues, "workers": workers, "schemas": schemas, "firms": firms}
