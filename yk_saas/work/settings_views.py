"""The firm's work settings page: approval amount, claim timeouts, policy, capacity, types."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from yk_saas.access import MANAGERS, roles
from yk_saas.money import AmountError, amount_input, parse_amount
from yk_saas.work import services
from yk_saas.work.forms import WorkSettingsForm
from yk_saas.work.views import bp

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
        try:
            services.update_settings(values)
        except services.WorkError as exc:
            form.timeout_policy.errors = [str(exc)]
        else:
            flash(_("Work settings saved."), "success")
            return redirect(url_for("work.settings"), 303)
    return render_template("work/settings.html", form=form), 422 if form.errors else 200
