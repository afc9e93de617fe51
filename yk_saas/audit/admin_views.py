"""The audit log for managers: filter, page through, export as CSV. No edits, no deletes."""

from datetime import date

from flask import Blueprint, Response, g, render_template, request

from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.audit import labels, services
from yk_saas.bounded import arg_page

bp = Blueprint("audit_admin", __name__, url_prefix="/desk/admin/audit")
bp.before_request(require_firm_host)
PAGE_SIZE = 100


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def current_filter() -> services.AuditFilter:
    args = request.args
    return services.AuditFilter(
        action=args.get("action", "").strip()[:60],
        actor=args.get("actor", "").strip()[:254],
        date_from=parse_day(args.get("from")),
        date_to=parse_day(args.get("to")),
    )


@bp.route("/")
@roles(*MANAGERS)
def index():
    flt = current_filter()
    page = arg_page()
    entries = list(
        services.find_entries(flt, g.tenant.timezone, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    )
    return render_template(
        "audit_admin/index.html",
        entries=entries[:PAGE_SIZE],
        flt=flt,
        page=page,
        has_next=len(entries) > PAGE_SIZE,
        actions=labels.action_choices(),
        labels=labels,
    )


@bp.route("/export.csv")
@roles(*MANAGERS)
def export_csv():
    """The filtered log as CSV; the export itself is logged first."""
    flt = current_filter()
    services.record_audit(
        "audit_exported",
        "audit_log",
        None,
        filter_action=flt.action,
        filter_actor=flt.actor,
        date_from=str(flt.date_from or ""),
        date_to=str(flt.date_to or ""),
    )
    # Built while the firm is bound (a streamed body would run after the request's binding).
    body = "".join(services.entries_csv(flt, g.tenant.timezone))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f"attachment; filename=audit-{g.tenant.slug}.csv",
            "Cache-Control": "private, no-store",
        },
    )
