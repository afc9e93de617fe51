"""The firm's public site as its managers edit it: the site builder (sections, slides, menu,
pages, announcements, preview, publish) and the branding (logo, colours)."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tenants import db
from yk_saas.access import MANAGERS, or_404, require_firm_host, roles
from yk_saas.errors import form_status, user_errors_on
from yk_saas.extensions import htmx
from yk_saas.files.services import IMAGES, MB, save_upload
from yk_saas.site import branding, forms, services
from yk_saas.site.models import SiteMenuItem, SitePage, SiteSection

bp = Blueprint("site_admin", __name__, url_prefix="/desk/admin/site")
bp.before_request(require_firm_host)


SECTION_LABELS = {
    "announcements": _l("Announcements"),
    "about": _l("About us"),
    "contact": _l("Contact"),
    "recommended": _l("Recommended services"),
    "categories": _l("Service categories"),
    "pages": _l("Pages"),
    "rich_text": _l("Custom text"),
}


def section_form(**kw):
    form = forms.SectionForm(**kw)
    form.kind.choices = [(k, SECTION_LABELS[k]) for k in services.SECTION_KINDS]
    return form


def menu_form(**kw):
    form = forms.MenuItemForm(**kw)
    tops = [m for m in services.ordered(SiteMenuItem) if m.parent_id is None]
    form.parent_id.choices = [("", _("Top level"))] + [(str(m.id), m.label) for m in tops]
    return form


def editor_context(**given):
    """Everything the editor panel shows; forms given (with errors) replace blank ones."""
    menu = services.ordered(SiteMenuItem)
    context = {
        "slide_form": forms.SlideForm(formdata=None),
        "menu_form": menu_form(formdata=None),
        "section_form": section_form(formdata=None),
        "page_form": forms.PageForm(formdata=None),
        "announcement_form": forms.AnnouncementForm(formdata=None),
        "slides": services.ordered(services.SiteSlide),
        "menu": menu,
        "sections": services.ordered(SiteSection),
        "pages": db.session.scalars(db.select(SitePage).order_by(SitePage.title)).all(),
        "announcements": db.session.scalars(
            db.select(services.Announcement).order_by(services.Announcement.publish_at.desc())
        ).all(),
        "section_labels": SECTION_LABELS,
        "unpublished": services.has_unpublished_changes(),
    }
    context.update(given)
    return context


def editor_response(status=200, **given):
    """The editor panel (HTMX, with a preview refresh) or the whole page."""
    if htmx and not htmx.boosted:
        body = render_template("site_admin/_editor.html", **editor_context(**given))
        return body, status, {"HX-Trigger": "site-changed"}
    if status == 200:
        return redirect(url_for("site_admin.index"), 303)
    return render_template("site_admin/index.html", **editor_context(**given)), status


def local(value):
    return forms.to_utc(value, g.tenant.timezone)


@bp.route("/")
@roles(*MANAGERS)
def index():
    return render_template("site_admin/index.html", **editor_context())


@bp.route("/preview")
@roles(*MANAGERS)
def preview():
    """HTMX: the draft rendered as visitors would see it."""
    snapshot = services.draft_snapshot()
    return render_template(
        "site_admin/_preview.html",
        snapshot=snapshot,
        slides=services.current_slides(snapshot),
        announcements=services.live_announcements(),
    )


@bp.route("/publish", methods=["POST"])
@roles(*MANAGERS)
def publish():
    services.publish(current_user)
    flash(_("The site is published."), "success")
    return editor_response()


@bp.route("/slides", methods=["POST"])
@roles(*MANAGERS)
def add_slide():
    form = forms.SlideForm()
    if form.validate_on_submit():
        with user_errors_on(form, "image") as outcome:
            image = save_upload(
                request.files.get("image"),
                allowed=IMAGES,
                max_bytes=5 * MB,
                owner_type="site_slide",
                owner_id=None,
                uploaded_by_id=current_user.id,
            )
            services.add_slide(
                image,
                form.title.data or "",
                form.subtitle.data or "",
                form.link.data or "",
                local(form.starts_at.data),
                local(form.ends_at.data),
            )
        if outcome.ok:
            return editor_response()
    return editor_response(form_status(form), slide_form=form)


@bp.route("/menu", methods=["POST"])
@roles(*MANAGERS)
def add_menu_item():
    form = menu_form()
    if form.validate_on_submit():
        parent = form.parent_id.data
        with user_errors_on(form, "parent_id") as outcome:
            services.add_menu_item(form.label.data, form.url.data, int(parent) if parent else None)
        if outcome.ok:
            return editor_response()
    return editor_response(form_status(form), menu_form=form)


@bp.route("/sections", methods=["POST"])
@roles(*MANAGERS)
def add_section():
    form = section_form()
    if form.validate_on_submit():
        services.save_section(None, form.kind.data, form.title.data or "", form.body.data or "")
        return editor_response()
    return editor_response(form_status(form), section_form=form)


@bp.route("/sections/<int:section_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_section(section_id):
    section = or_404(services.get_visible_site_item(current_user, "section", section_id))
    form = section_form(obj=section, data={"body": section.body_html})
    form.kind.render_kw = {"disabled": True}
    if request.method == "POST":
        form.kind.data = section.kind
        if form.validate_on_submit():
            services.save_section(
                section, section.kind, form.title.data or "", form.body.data or ""
            )
            return redirect(url_for("site_admin.index"), 303)
    return render_template(
        "site_admin/edit.html", form=form, heading=SECTION_LABELS[section.kind]
    ), form_status(form)


@bp.route("/pages", methods=["POST"])
@roles(*MANAGERS)
def add_page():
    form = forms.PageForm()
    if form.validate_on_submit():
        with user_errors_on(form, "slug") as outcome:
            services.save_page(None, form.slug.data, form.title.data, form.body.data or "")
        if outcome.ok:
            return editor_response()
    return editor_response(form_status(form), page_form=form)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_page(page_id):
    page = or_404(services.get_visible_site_item(current_user, "page", page_id))
    form = forms.PageForm(obj=page, data={"body": page.body_html})
    if form.validate_on_submit():
        with user_errors_on(form, "slug") as outcome:
            services.save_page(page, form.slug.data, form.title.data, form.body.data or "")
        if outcome.ok:
            return redirect(url_for("site_admin.index"), 303)
    return render_template("site_admin/edit.html", form=form, heading=_("Page")), form_status(form)


@bp.route("/announcements", methods=["POST"])
@roles(*MANAGERS)
def add_announcement():
    form = forms.AnnouncementForm()
    if form.validate_on_submit():
        services.add_announcement(
            form.title.data,
            form.body.data or "",
            local(form.publish_at.data),
            local(form.expires_at.data),
        )
        return editor_response()
    return editor_response(form_status(form), announcement_form=form)


@bp.route("/<kind>/<int:item_id>/move/<direction>", methods=["POST"])
@roles(*MANAGERS)
def move(kind, item_id, direction):
    # A missing id (another firm's, say) is a 404, not a reordering of this firm's items.
    if kind not in services.ORDERED or direction not in ("up", "down"):
        abort(404)
    item = or_404(services.get_visible_site_item(current_user, kind, item_id))
    services.move(kind, item.id, -1 if direction == "up" else 1)
    return editor_response()


@bp.route("/<kind>/<int:item_id>/delete", methods=["POST"])
@roles(*MANAGERS)
def delete(kind, item_id):
    item = or_404(services.get_visible_site_item(current_user, kind, item_id))
    services.delete(kind, item.id)
    return editor_response()


@bp.route("/branding/", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_branding():
    current = {
        **branding.colours(g.tenant.branding),
        "support_consent": bool(g.tenant.branding.get("support_consent")),
    }
    form = forms.BrandingForm(data=current)
    if form.validate_on_submit():
        with user_errors_on(form) as outcome:
            branding.update_branding(form.data, request.files, current_user.id)
        if outcome.ok:
            flash(_("Branding saved."), "success")
            return redirect(url_for("site_admin.edit_branding"), 303)
    return render_template("site_admin/branding.html", form=form), form_status(form)
