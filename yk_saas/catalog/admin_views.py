"""The catalog in the staff desk: admins manage categories and services."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import MANAGERS, or_404, require_firm_host, roles
from yk_saas.catalog import services
from yk_saas.catalog.forms import CategoryForm, ServiceForm
from yk_saas.catalog.models import ServiceItem
from yk_saas.errors import form_status, user_errors_on
from yk_saas.extensions import htmx
from yk_saas.money import AmountError, amount_input, parse_amount

bp = Blueprint("catalog_admin", __name__, url_prefix="/desk/admin/catalog")
bp.before_request(require_firm_host)


@bp.route("/", methods=["GET", "POST"])
@roles(*MANAGERS)
def index():
    form = CategoryForm()
    if form.validate_on_submit():
        with user_errors_on(form, "name") as outcome:
            services.save_category(form.name.data, form.sort_order.data or 0)
        if outcome.ok:
            flash(_("Category added."), "success")
            return redirect(url_for("catalog_admin.index"), 303)
    return render_template(
        "catalog_admin/index.html",
        form=form,
        categories=services.categories(),
        services=services.all_services(),
    ), form_status(form)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def category(category_id):
    """HTMX inline editing of one category row (GET: the edit form)."""
    category = or_404(services.get_visible_category(current_user, category_id))
    form = CategoryForm(obj=category)
    if request.method == "GET":
        return render_template(
            "catalog_admin/_category_row.html", category=category, form=form, editing=True
        )
    if form.validate_on_submit():
        with user_errors_on(form, "name"):
            services.save_category(form.name.data, form.sort_order.data or 0, category.id)
    if form.errors:
        return render_template(
            "catalog_admin/_category_row.html", category=category, form=form, editing=True
        ), 422
    if htmx:
        return render_template("catalog_admin/_category_row.html", category=category, editing=False)
    return redirect(url_for("catalog_admin.index"), 303)


@bp.route("/categories/<int:category_id>/delete", methods=["POST"])
@roles(*MANAGERS)
def delete_category(category_id):
    category = or_404(services.get_visible_category(current_user, category_id))
    services.delete_category(category.id)
    flash(_("Category removed; its services are kept without a category."), "success")
    return redirect(url_for("catalog_admin.index"), 303)


def service_form(service: ServiceItem | None) -> ServiceForm:
    if request.method == "POST":
        form = ServiceForm()
    elif service:
        form = ServiceForm(
            obj=service,
            price=amount_input(service.price_cents, service.currency),
            description=service.description_html,
        )
    else:
        form = ServiceForm()
    form.category_id.choices = [(0, _("No category"))] + [
        (c.id, c.name) for c in services.categories()
    ]
    return form


def values_from(form: ServiceForm) -> dict | None:
    try:
        price = parse_amount(form.price.data, g.tenant.currency)
    except AmountError:
        form.price.errors = [_("Enter a price of zero or more, such as 1200 or 1200.50.")]
        return None
    return {
        "name": form.name.data,
        "category_id": form.category_id.data or None,
        "description": form.description.data,
        "price_cents": price,
        "currency": g.tenant.currency,
        "billing_cycle": form.billing_cycle.data,
        "published": form.published.data,
        "recommended": form.recommended.data,
        "sort_order": form.sort_order.data or 0,
    }


def edit_service(service: ServiceItem | None):
    form = service_form(service)
    if form.validate_on_submit() and (values := values_from(form)) is not None:
        with user_errors_on(form, "image") as outcome:
            saved = services.save_service(
                values, request.files.get("image"), service.id if service else None, current_user.id
            )
        if outcome.ok:
            flash(_("Service saved."), "success")
            return redirect(url_for("catalog_admin.service", service_id=saved.id), 303)
    return render_template(
        "catalog_admin/service_form.html", form=form, service=service
    ), form_status(form)


@bp.route("/services/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new_service():
    return edit_service(None)


@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def service(service_id):
    return edit_service(or_404(services.get_visible_service(current_user, service_id)))


@bp.route("/services/<int:service_id>/toggle", methods=["POST"])
@roles(*MANAGERS)
def toggle(service_id):
    """HTMX: publish/unpublish or (un)recommend in the list."""
    service = or_404(services.get_visible_service(current_user, service_id))
    flag = request.form.get("flag", "")
    if flag not in ("published", "recommended"):
        abort(400)
    services.set_flag(service.id, flag, not getattr(service, flag))
    if htmx:
        return render_template("catalog_admin/_service_row.html", service=service)
    return redirect(url_for("catalog_admin.index"), 303)
