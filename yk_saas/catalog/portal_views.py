"""The catalog as clients see it: browse, search, open a service, order it."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import CLIENT, ROLES, or_404, require_firm_host, roles
from yk_saas.bounded import arg_int
from yk_saas.catalog import services
from yk_saas.files.services import send_stored_file
from yk_saas.templating import render_page_or_fragment
from yk_saas.work import services as work
from yk_saas.work.forms import OrderForm

bp = Blueprint("catalog_portal", __name__, url_prefix="/portal/catalog")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(CLIENT)
def index():
    """Published services by category; search and category filter swap the list only."""
    category_id = arg_int("category")
    search = request.args.get("q", "")
    return render_page_or_fragment(
        "catalog_portal/index.html",
        "catalog_portal/_list.html",
        categories=services.categories(),
        items=services.published_services(category_id, search),
        category_id=category_id,
        q=search,
    )


@bp.route("/<int:service_id>")
@roles(CLIENT)
def detail(service_id):
    service = or_404(services.get_visible_service(current_user, service_id))
    return render_template("catalog_portal/detail.html", service=service, form=OrderForm())


@bp.route("/<int:service_id>/order", methods=["POST"])
@roles(CLIENT)
def order(service_id):
    """Place an order; an unpublished or unknown service is refused like a missing page."""
    service = or_404(services.get_visible_service(current_user, service_id))
    form = OrderForm()
    if form.validate_on_submit():
        try:
            item = work.create_order(
                current_user,
                service.id,
                form.note.data,
                form.urgency.data,
                request.files.getlist("files"),
            )
        except work.WorkError as exc:
            form.files.errors = [str(exc)]
        else:
            message = (
                _("Order placed. It waits for the firm's approval.")
                if item.approval == "pending"
                else _("Order placed. We will let you know who takes it on.")
            )
            flash(message, "success")
            return redirect(url_for("work_portal.detail", item_id=item.id), 303)
    return render_template("catalog_portal/detail.html", service=service, form=form), 422


@bp.route("/<int:service_id>/image")
@roles(*ROLES)
def image(service_id):
    stored = or_404(services.service_image(current_user, service_id))
    return send_stored_file(stored, inline=True)
