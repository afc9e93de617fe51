"""The staff desk: home and the firm's settings."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from yk_saas.access import MANAGERS, STAFF, require_firm_host, roles
from yk_saas.desk import services
from yk_saas.desk.forms import FirmSettingsForm
from yk_saas.errors import form_status
from yk_saas.work.labels import URGENCY_LABELS

bp = Blueprint("desk", __name__, url_prefix="/desk")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(*STAFF)
def home():
    """An accountant's own to-do list; for managers the firm's headline counts and every
    dashboard card, each loading on its own."""
    from flask_login import current_user

    from yk_saas.reports.registry import DASHBOARD_CARDS

    if not current_user.is_manager:
        todo = services.my_todo(current_user)
        in_hand = todo["overdue"] + todo["today"] + todo["open"]
        return render_template(
            "desk/home.html",
            todo=todo,
            urgencies=services.urgency_counts(in_hand),
            urgency_labels=URGENCY_LABELS,
        )
    cards = sorted(DASHBOARD_CARDS.values(), key=lambda c: (c.order, c.key))
    return render_template("desk/home.html", counts=services.overview_counts(), cards=cards)


@bp.route("/settings", methods=["GET", "POST"])
@roles(*MANAGERS)
def settings():
    firm = g.tenant
    form = FirmSettingsForm(
        data={"name": firm.name, "locale": firm.locale, "timezone": firm.timezone, **firm.branding}
    )
    if form.validate_on_submit():
        services.update_firm_settings(
            form.name.data,
            form.locale.data,
            form.timezone.data,
            {k: getattr(form, k).data for k in services.CONTACT_KEYS},
        )
        flash(_("Settings saved."), "success")
        return redirect(url_for("desk.settings"))
    return render_template("desk/settings.html", form=form), form_status(form)
