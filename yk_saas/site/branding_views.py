"""The firm's branding page on the desk: colours, logo, favicon, support consent."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tenants import db
from tenants.resolve import resolver
from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.files.services import MB, UploadError, save_upload
from yk_saas.site import branding, forms, services

bp = Blueprint("branding", __name__, url_prefix="/desk/branding")
bp.before_request(require_firm_host)

COLOUR_MESSAGES = {
    "primary": _l("The main colour is too light to read on white (contrast below 4.5:1)."),
    "accent": _l("Text on the banner colour would be hard to read (contrast below 4.5:1)."),
}


def upload_image(field, kind: str, allowed: tuple[str, ...]) -> str | None:
    upload = request.files.get(field.name)
    if upload is None or not upload.filename:
        return None
    try:
        return save_upload(
            upload,
            allowed=allowed,
            max_bytes=2 * MB,
            owner_type=kind,
            owner_id=g.tenant.id,
            uploaded_by_id=current_user.id,
        ).key
    except UploadError as exc:
        field.errors = [str(exc)]
        return None


@bp.route("/", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit():
    current = {
        **branding.colours(g.tenant.branding),
        "support_consent": bool(g.tenant.branding.get("support_consent")),
    }
    form = forms.BrandingForm(data=current)
    if form.validate_on_submit():
        problem = branding.colour_problem(form.primary.data, form.accent.data)
        if problem:
            getattr(form, problem).errors = [str(COLOUR_MESSAGES[problem])]
        else:
            logo = upload_image(form.logo, "site_logo", ("png", "jpeg", "webp"))
            favicon = upload_image(form.favicon, "site_favicon", ("png",))
            if not (form.logo.errors or form.favicon.errors):
                branding.save_branding(
                    form.primary.data, form.accent.data, form.support_consent.data, logo, favicon
                )
                db.session.commit()
                resolver.invalidate()
                services.cache.clear()
                flash(_("Branding saved."), "success")
                return redirect(url_for("branding.edit"), 303)
    return render_template("site/branding.html", form=form), 422 if form.errors else 200
