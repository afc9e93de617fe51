"""Work's manager-only pages: the firm's work settings (approval amount, claim timeouts,
policy, capacity, request types)."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from yk_saas.access import MANAGERS, require_firm_host, roles
from yk_saas.errors import form_status, user_errors_on
from yk_saas.money import AmountError, amount_input, parse_amount
from yk_saas.work import services
from yk_saas.work.forms import WorkSettingsForm
from yk_saas.work.labels import label_globals

# The settings page has always been at /desk/work/settings; its links and bookmarks stay.
bp = Blueprint("work_admin", __name__, url_prefix="/desk/admin/work")
bp.before_request(require_firm_host)
bp.context_processor(label_globals)

FIELDS = (
    "timeout_policy",
    "timeout_urgent_minutes",
    "timeout_normal_minutes",
    "timeout_low_minutes",
    "stale_after_hours",
    "default_capacity",
)


def form_from_settings(settings) -> WorkSettingsForm:
    data = {key: getattr(settings, key) for key in FIELDS}
    data["approval_threshold"] = amount_input(settings.approval_threshold_cents, g.tenant.currency)
    data["request_types"] = "\n".join(settings.request_types or [])
    return WorkSettingsForm(data=data)


def values_from(form: WorkSettingsForm) -> dict | None:
    """The settings to save, or None with the form's errors filled in."""
    values = {key: getattr(form, key).data for key in FIELDS}
    threshold = (form.approval_threshold.data or "").strip()
    try:
        values["approval_threshold_cents"] = (
            parse_amount(threshold, g.tenant.currency) if threshold else None
        )
    except AmountError:
        form.approval_threshold.errors = [_("Enter an amount such as 5000 or 5000.00.")]
        return None
    types = [t.strip()[:60] for t in form.request_types.data.splitlines() if t.strip()]
    if not types:
        form.request_types.errors = [_("Keep at least one request type.")]
        return None
    values["request_types"] = list(dict.fromkeys(types))
    return values


@bp.route("/settings", methods=["GET", "POST"])
@roles(*MANAGERS)
def settings():
    form = form_from_settings(services.get_settings())
    if form.is_submitted():
        form = WorkSettingsForm()
    if form.validate_on_submit() and (values := values_from(form)) is not None:
        with user_errors_on(form, "timeout_policy") as outcome:
            services.update_settings(values)
        if outcome.ok:
            flash(_("Work settings saved."), "success")
            return redirect(url_for("work_admin.settings"), 303)
    return render_template("work_admin/settings.html", form=form), form_status(form)
