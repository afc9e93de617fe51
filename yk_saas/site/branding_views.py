"""The firm's branding page on the desk: colours, logo, favicon, support consent."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.errors import form_status, user_errors_on
from yk_saas.site import branding, forms

bp = Blueprint("branding", __name__, url_prefix="/desk/branding")
bp.before_request(require_firm_host)


@bp.route("/", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit():
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
            return redirect(url_for("branding.edit"), 303)
    return render_template("site/branding.html", form=form), form_status(form)
