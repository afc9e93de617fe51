"""The firm dashboard (A1) and client value (A2): every card is a fragment that loads on its own."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.dashboards import cards
from yk_saas.dashboards.periods import parse_period
from yk_saas.feedback.forms import STATE_LABELS
from yk_saas.ledgers.charts import month_chart
from yk_saas.reports.registry import DASHBOARD_CARDS

bp = Blueprint("dashboards_admin", __name__, url_prefix="/desk/admin/dashboards")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(*MANAGERS)
def index():
    return render_template(
        "dashboards_admin/index.html",
        cards=sorted(DASHBOARD_CARDS.values(), key=lambda c: (c.order, c.key)),
    )


@bp.route("/cards/clients-new-lost")
@roles(*MANAGERS)
def card_new_lost():
    rows = cards.new_and_lost()
    labels = [r["month"] for r in rows]
    chart = month_chart(
        _l("New clients per month"),
        labels,
        [r["new"] for r in rows],
        _l("New clients"),
        [r["lost"] for r in rows],
        _l("Lost clients"),
        unit=1,
    )
    return render_template(
        "dashboards_admin/_card_new_lost.html",
        rows=rows,
        chart=chart,
        active=cards.active_count(),
        new=sum(r["new"] for r in rows),
        lost=sum(r["lost"] for r in rows),
    )


@bp.route("/cards/client-risk")
@roles(*MANAGERS)
def card_client_risk():
    period = parse_period(request.args.get("period"))
    metrics, rows = cards.client_value(period, limit=8)
    return render_template(
        "dashboards_admin/_card_client_risk.html", metrics=metrics, rows=rows, period=period
    )


@bp.route("/cards/complaints")
@roles(*MANAGERS)
def card_complaints():
    return render_template(
        "dashboards_admin/_card_complaints.html",
        summary=cards.complaint_summary(),
        state_labels=STATE_LABELS,
    )


@bp.route("/clients")
@roles(*MANAGERS)
def client_value():
    period = parse_period(request.args.get("period") or "")
    by = (
        request.args.get("segment") if request.args.get("segment") in cards.SEGMENTS else "industry"
    )
    metrics, rows = cards.client_value(period, limit=None)
    return render_template(
        "dashboards_admin/client_value.html",
        metrics=metrics,
        rows=rows[:200],
        period=period,
        segments=cards.segments(rows, metrics, by),
        by=by,
        total=len(rows),
    )
