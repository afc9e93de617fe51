"""Work in the client portal: my requests, filing one, following it, replying, rating."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import CLIENT, or_404, require_firm_host, roles
from yk_saas.bounded import arg_page
from yk_saas.catalog.services import published_services
from yk_saas.errors import form_status, user_errors_on
from yk_saas.files.services import send_stored_file
from yk_saas.money import format_money
from yk_saas.templating import render_page_or_fragment
from yk_saas.work import boards, services
from yk_saas.work.forms import RatingForm, ReplyForm, RequestForm
from yk_saas.work.labels import label_globals

bp = Blueprint("work_portal", __name__, url_prefix="/portal/work")
bp.before_request(require_firm_host)
bp.context_processor(label_globals)


@bp.route("/")
@roles(CLIENT)
def index():
    state = request.args.get("state", "")
    page = boards.client_page(current_user, arg_page(), state)
    return render_page_or_fragment(
        "work_portal/index.html", "work_portal/_list.html", results=page, state=state
    )


@bp.route("/new", methods=["GET", "POST"])
@roles(CLIENT)
def new():
    form = RequestForm()
    form.request_type.choices = [(t, t) for t in services.get_settings().request_types or []]
    form.service_id.choices = [(0, _("None: a free request"))] + [
        (s.id, f"{s.name} · {format_money(s.price_cents, s.currency, str(get_locale()))}")
        for s in published_services()
    ]
    if form.validate_on_submit():
        with user_errors_on(form, "files") as outcome:
            item = services.create_request(
                current_user,
                form.title.data,
                form.request_type.data,
                form.description.data,
                form.urgency.data,
                request.files.getlist("files"),
                service_id=form.service_id.data or None,
            )
        if outcome.ok:
            flash(_("Your request is filed. We will let you know who takes it on."), "success")
            return redirect(url_for("work_portal.detail", item_id=item.id), 303)
    return render_template("work_portal/new.html", form=form), form_status(form)


def own_item(item_id: int):
    return or_404(services.get_visible_item(current_user, item_id))


def detail_context(item, reply_form=None):
    return {
        "item": item,
        "entries": services.timeline(item, for_client=True),
        "files": services.item_files(item),
        "reply_form": reply_form or ReplyForm(),
        "rating": services.rating_of(item.id),
    }


@bp.route("/<int:item_id>")
@roles(CLIENT)
def detail(item_id):
    item = own_item(item_id)
    return render_template("work_portal/detail.html", **detail_context(item))


@bp.route("/<int:item_id>/timeline")
@roles(CLIENT)
def timeline(item_id):
    """HTMX: the timeline and state, polled so progress shows without a reload."""
    item = own_item(item_id)
    return render_template("work_portal/_live.html", **detail_context(item))


@bp.route("/<int:item_id>/reply", methods=["POST"])
@roles(CLIENT)
def reply(item_id):
    item = own_item(item_id)
    form = ReplyForm()
    if form.validate_on_submit():
        with user_errors_on(form, "body") as outcome:
            services.post_reply(item, current_user, form.body.data, request.files.getlist("files"))
        if outcome.ok:
            flash(_("Reply sent."), "success")
            return redirect(url_for("work_portal.detail", item_id=item_id), 303)
    item = own_item(item_id)  # reread after a refusal rolled back
    return render_template("work_portal/detail.html", **detail_context(item, form)), form_status(
        form
    )


@bp.route("/<int:item_id>/rate", methods=["GET", "POST"])
@roles(CLIENT)
def rate(item_id):
    item = own_item(item_id)
    rating = services.rating_of(item.id)
    form = RatingForm(obj=rating) if request.method == "GET" and rating else RatingForm()
    if item.state != "done":
        abort(404)
    if form.validate_on_submit():
        with user_errors_on(form, "comment") as outcome:
            services.rate_item(
                item,
                current_user,
                form.overall.data,
                form.attitude.data,
                form.speed.data,
                form.quality.data,
                form.comment.data,
            )
        if outcome.ok:
            flash(_("Thank you for your rating."), "success")
            return redirect(url_for("work_portal.detail", item_id=item_id), 303)
    return render_template(
        "work_portal/rate.html",
        item=item,
        form=form,
        rating=rating,
        editable=services.can_edit(rating),
    ), form_status(form)


@bp.route("/files/<int:file_id>")
@roles(CLIENT)
def download(file_id):
    return send_stored_file(or_404(services.get_visible_file(current_user, file_id)))
