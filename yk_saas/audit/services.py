"""Recording sensitive actions. Call ``record_audit`` inside the action's transaction."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from tenants import db
from yk_saas.audit.models import AuditEntry
from yk_saas.csv_export import csv_lines


def record_audit(
    action: str, target_type: str | None = None, target_id: int | None = None, actor=None, **details
) -> AuditEntry:
    """Add an audit entry for ``action`` by ``actor`` (default: the signed-in user)."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    if has_request_context():
        entry.ip = (request.remote_addr or "")[:64]
        entry.user_agent = (request.user_agent.string or "")[:300]
    db.session.add(entry)
    return entry


def install_append_only_trigger(connection, schema: str) -> None:
    """Make PostgreSQL refuse UPDATE, DELETE and TRUNCATE on a firm's audit log."""
    from tenants.naming import quote_schema

    s = quote_schema(schema)
    for statement in (
        (
            f"CREATE OR REPLACE FUNCTION {s}.audit_entries_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$"
        ),
        f"DROP TRIGGER IF EXISTS audit_entries_append_only ON {s}.audit_entries",
        (
            f"CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON {s}.audit_entries "
            f"FOR EACH ROW EXECUTE FUNCTION {s}.audit_entries_append_only()"
        ),
        f"DROP TRIGGER IF EXISTS audit_entries_no_truncate ON {s}.audit_entries",
        (
            f"CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON {s}.audit_entries "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.audit_entries_append_only()"
        ),
    ):
        connection.exec_driver_sql(statement)


def seed_append_only_audit(session, firm) -> None:
    """Every new firm's audit log is append-only at the database level."""
    install_append_only_trigger(session.connection(), firm.schema_name)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, query, timezone_name: str):
        """``query`` narrowed to the entries this filter keeps (days in the firm's time zone)."""
        zone = ZoneInfo(timezone_name)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.actor:
            query = query.where(
                AuditEntry.actor_label.ilike(f"%{escape_like(self.actor)}%", escape="\\")
            )
        if self.date_from:
            query = query.where(AuditEntry.at >= datetime.combine(self.date_from, time.min, zone))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, zone)
            query = query.where(AuditEntry.at < end)
        return query


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_entries(flt: AuditFilter, timezone_name: str, limit: int | None = 200, offset: int = 0):
    query = (
        flt.apply(select(AuditEntry), timezone_name).order_by(AuditEntry.id.desc()).offset(offset)
    )
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query)


CSV_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "details",
)


def entries_csv(flt: AuditFilter, timezone_name: str) -> Iterator[str]:
    """The filtered log as CSV lines, streamed."""
    rows = (
        [
            entry.id,
            entry.at.isoformat(),
            entry.actor_id,
            entry.actor_label,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.ip,
            entry.user_agent,
            json.dumps(entry.details, ensure_ascii=False),
        ]
        for entry in find_entries(flt, timezone_name, limit=None)
    )
    return csv_lines(chain([CSV_COLUMNS], rows))
