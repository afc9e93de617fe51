"""Survey results in the desk: per accountant (the admin sees all, an accountant their own)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from yk_saas.access import STAFF, require_firm_host, roles
from yk_saas.clients.services import users_by_id
from yk_saas.feedback import surveys

bp = Blueprint("surveys", __name__, url_prefix="/desk/surveys")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(*STAFF)
def results():
    rounds = surveys.rounds()
    round_name = request.args.get("round") if request.args.get("round") in rounds else None
    only = None if current_user.is_manager else current_user.id
    rows = surveys.results_by_accountant(round_name, only)
    comments = surveys.recent_comments(only)
    return render_template(
        "feedback/surveys.html",
        rows=rows,
        rounds=rounds,
        round_name=round_name,
        comments=comments,
        counts=surveys.answered_count(round_name) if round_name else None,
        staff=users_by_id([r[0] for r in rows] + [c.accountant_id for c in comments]),
    )
