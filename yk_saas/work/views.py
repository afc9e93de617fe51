"""Work in the staff desk: the claim pool, my work, the admin board and each item."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from tenants import db
from yk_saas.access import ACCOUNTANT, MANAGERS, STAFF, or_404, require_firm_host, roles
from yk_saas.accounts.models import User
from yk_saas.bounded import arg_page, form_int, form_ints
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import change_dedicated_accountant
from yk_saas.errors import form_status, user_errors_on
from yk_saas.extensions import htmx
from yk_saas.files.services import send_stored_file
from yk_saas.models_base import utcnow
from yk_saas.templating import render_page_or_fragment
from yk_saas.work import boards, reports, services
from yk_saas.work.forms import AssignForm, ProgressForm
from yk_saas.work.labels import label_globals

bp = Blueprint("work", __name__, url_prefix="/desk/work")
bp.before_request(require_firm_host)
bp.context_processor(label_globals)


def posted_action() -> FlaskForm:
    """The form of a POST made of buttons and a field or two: its errors become page messages."""
    return FlaskForm()


def visible_item(item_id: int):
    return or_404(services.get_visible_item(current_user, item_id))


def staff_choices():
    return [(s["user"].id, s["user"].name) for s in services.staff_load()]


@bp.route("/pool")
@roles(ACCOUNTANT, *MANAGERS)
def pool():
    """Unclaimed work, refreshing itself every few seconds."""
    page = boards.pool_page(current_user, arg_page())
    return render_page_or_fragment(
        "work/pool.html",
        "work/_pool.html",
        results=page,
        on_duty=services.is_on_duty(current_user.id),
    )


@bp.route("/<int:item_id>/claim", methods=["POST"])
@roles(ACCOUNTANT)
def claim(item_id):
    with user_errors_on(posted_action()) as outcome:
        services.claim_item(item_id, current_user)
    if outcome.ok:
        flash(_("It is yours. The client has been told."), "success")
        if not htmx:
            return redirect(url_for("work.detail", item_id=item_id), 303)
    if htmx:
        return pool()
    return redirect(url_for("work.pool"), 303)


@bp.route("/duty", methods=["POST"])
@roles(*STAFF)
def duty():
    services.set_on_duty(current_user.id, request.form.get("on_duty") == "1")
    return redirect(request.referrer or url_for("work.pool"), 303) if not htmx else pool()


@bp.route("/mine")
@roles(ACCOUNTANT)
def mine():
    finished = request.args.get("finished") == "1"
    page = boards.my_work_page(current_user, arg_page(), finished)
    return render_page_or_fragment(
        "work/mine.html", "work/_mine.html", results=page, finished=finished
    )


@bp.route("/board")
@roles(*MANAGERS)
def board():
    """Every item with filters; the table is an HTMX partial."""
    filters = boards.BoardFilters.from_args(request.args)
    context = {
        "results": boards.board_page(filters),
        "filters": filters,
        "staff": staff_choices(),
        "companies": db.session.execute(
            select(ClientCompany.id, ClientCompany.name).order_by(ClientCompany.name)
        ).all(),
        "pending": boards.pending_approvals(),
    }
    return render_page_or_fragment("work/board.html", "work/_board.html", **context)


@bp.route("/board/assign", methods=["POST"])
@roles(*MANAGERS)
def bulk_assign():
    ids, assignee = form_ints("item_id"), form_int("assignee_id")
    with user_errors_on(posted_action()) as outcome:
        if not ids or assignee is None:
            raise services.WorkError(_("Choose items and an accountant."))
        changed = services.assign_items(ids, assignee, current_user)
    if outcome.ok:
        flash(_("%(n)d items assigned.", n=changed), "success")
    return redirect(url_for("work.board", **request.args), 303)


@bp.route("/clients")
@roles(*MANAGERS)
def clients():
    """Each client's dedicated accountant, changeable in place."""
    companies = db.session.scalars(select(ClientCompany).order_by(ClientCompany.name)).all()
    return render_template("work/clients.html", companies=companies, staff=staff_choices())


@bp.route("/clients/<int:company_id>/dedicated", methods=["POST"])
@roles(*MANAGERS)
def set_dedicated(company_id):
    company = or_404(db.session.get(ClientCompany, company_id))
    chosen, accountant_id = request.form.get("accountant_id", "").strip(), form_int("accountant_id")
    with user_errors_on(posted_action()) as outcome:
        if chosen and accountant_id is None:  # empty means "nobody"; anything else must be an id
            raise services.WorkError(_("Choose a member of staff."))
        change_dedicated_accountant(company, accountant_id, current_user)
    if outcome.ok:
        flash(_("Dedicated accountant saved."), "success")
    company = db.session.get(ClientCompany, company_id)
    if htmx:
        return render_template("work/_client_row.html", company=company, staff=staff_choices())
    return redirect(url_for("work.clients"), 303)


def detail_context(item, progress_form=None):
    progress_form = progress_form or ProgressForm()
    progress_form.set_states(item.state, services.TRANSITIONS[item.state])
    assign_form = AssignForm(assignee_id=item.assignee_id)
    assign_form.assignee_id.choices = staff_choices()
    return {
        "item": item,
        "entries": services.timeline(item, for_client=False),
        "files": services.item_files(item),
        "progress_form": progress_form,
        "assign_form": assign_form,
        "rating": services.rating_of(item.id),
        "can_work": services.can_work_on(current_user, item),
    }


@bp.route("/<int:item_id>")
@roles(*STAFF)
def detail(item_id):
    item = visible_item(item_id)
    return render_template("work/detail.html", **detail_context(item))


@bp.route("/<int:item_id>/timeline")
@roles(*STAFF)
def timeline(item_id):
    item = visible_item(item_id)
    return render_template(
        "work/_timeline.html",
        item=item,
        entries=services.timeline(item, for_client=False),
        area="desk",
    )


@bp.route("/<int:item_id>/progress", methods=["POST"])
@roles(*STAFF)
def progress(item_id):
    item = visible_item(item_id)
    form = ProgressForm()
    form.set_states(item.state, services.TRANSITIONS[item.state])
    if form.validate_on_submit():
        with user_errors_on(form, "body") as outcome:
            services.post_progress(
                item,
                current_user,
                form.body.data,
                form.new_state.data or None,
                request.files.getlist("files"),
            )
        if outcome.ok:
            flash(_("Progress posted. The client sees it now."), "success")
            return redirect(url_for("work.detail", item_id=item_id), 303)
    item = visible_item(item_id)  # reread after a refusal rolled back
    return render_template("work/detail.html", **detail_context(item, form)), form_status(form)


@bp.route("/<int:item_id>/assign", methods=["POST"])
@roles(*MANAGERS)
def assign(item_id):
    item = visible_item(item_id)
    assignee = form_int("assignee_id")
    with user_errors_on(posted_action()) as outcome:
        if assignee is None:
            raise services.WorkError(_("Choose a member of staff."))
        services.assign_items([item.id], assignee, current_user)
    if outcome.ok:
        flash(_("Assigned."), "success")
    return redirect(url_for("work.detail", item_id=item_id), 303)


@bp.route("/<int:item_id>/approval", methods=["POST"])
@roles(*MANAGERS)
def approval(item_id):
    item = visible_item(item_id)
    decision = request.form.get("decision")
    with user_errors_on(posted_action()) as outcome:
        if decision not in ("approve", "reject"):
            raise services.WorkError(_("Approve or reject the order."))
        services.decide_approval(item, decision == "approve", current_user)
    if outcome.ok:
        flash(
            _("Order approved: it is in the claim pool now.")
            if decision == "approve"
            else _("Order rejected."),
            "success",
        )
    return redirect(url_for("work.detail", item_id=item_id), 303)


@bp.route("/files/<int:file_id>")
@roles(*STAFF)
def download(file_id):
    return send_stored_file(or_404(services.get_visible_file(current_user, file_id)))


@bp.route("/cards/states")
@roles(*MANAGERS)
def card_states():
    """Dashboard card: how many items are in each state."""
    return render_template("work/_card_states.html", counts=reports.items_by_state())


@bp.route("/cards/claim-time")
@roles(*MANAGERS)
def card_claim_time():
    """Dashboard card: median and slowest time to claim over the last 30 days."""
    end = utcnow()
    summary = reports.claim_time_summary(end - timedelta(days=30), end)
    return render_template("work/_card_claim_time.html", summary=summary)


@bp.route("/duty-capacity")
@roles(*MANAGERS)
def duty_capacity():
    """Who is on duty, with their load and limits."""
    return render_template(
        "work/duty_capacity.html",
        rows=services.staff_load(),
        default=services.get_settings().default_capacity,
    )


@bp.route("/duty-capacity/<int:user_id>", methods=["POST"])
@roles(*MANAGERS)
def update_duty_capacity(user_id):
    person = or_404(
        db.session.scalar(select(User).where(User.id == user_id, User.role == ACCOUNTANT))
    )
    value = request.form.get("capacity", "").strip()
    capacity = form_int("capacity", 0, 10_000)
    with user_errors_on(posted_action()) as outcome:
        if value and capacity is None:
            raise services.WorkError(
                _("Enter a whole number, or leave it empty for the firm default.")
            )
        services.set_capacity(person.id, capacity)
        services.set_on_duty(person.id, request.form.get("on_duty") == "1")
    if outcome.ok:
        flash(_("Saved."), "success")
    return redirect(url_for("work.duty_capacity"), 303)
