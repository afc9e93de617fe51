"""The notification centre, its unread badge, preferences and the SMS/WeChat gateway."""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, URLField
from wtforms.validators import InputRequired, Length, ValidationError

from tenants import db
from yk_saas.access import MANAGERS, ROLES, or_404, require_firm_host, roles
from yk_saas.audit.services import record_audit
from yk_saas.errors import form_status
from yk_saas.extensions import htmx
from yk_saas.forms import Form
from yk_saas.notifications import services
from yk_saas.notifications.models import NotificationWebhook
from yk_saas.notifications.webhook import new_secret
from yk_saas.outbound import OutboundRefused, check_public_url
from yk_saas.paging import page_of
from yk_saas.urls import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.before_request(require_firm_host)
PAGE_SIZE = 50


def public_https_url(_form, field):
    """The outbound rule, at save: https to a public address (checked again at every send)."""
    try:
        check_public_url(field.data)
    except OutboundRefused as exc:
        raise ValidationError(exc.message) from exc


class GatewayForm(Form):
    url = URLField(
        _l("Gateway URL"), validators=[InputRequired(), Length(max=500), public_https_url]
    )
    enabled = BooleanField(_l("Send SMS and WeChat messages through this gateway"))
    new_secret = BooleanField(_l("Generate a new signing secret"))


@bp.route("/")
@roles(*ROLES)
def index():
    return render_template(
        "notifications/index.html", page=_page(), render_title=services.render_title
    )


def _page():
    """The page of the user's notifications the ``page`` argument asks for."""
    return page_of(services.visible_notifications_query(current_user), PAGE_SIZE)


@bp.route("/badge")
@roles(*ROLES)
def badge():
    """HTMX: the unread count, polled and refreshed on ``notifications-changed``."""
    return render_template(
        "notifications/_badge.html", unread=services.unread_count(current_user.id)
    )


@bp.route("/read", methods=["POST"])
@roles(*ROLES)
def mark_all_read():
    services.mark_read(current_user.id)
    return _after_change()


@bp.route("/<int:notification_id>/open", methods=["POST"])
@roles(*ROLES)
def open_one(notification_id):
    """Mark one notification read and go where it points (only within this site)."""
    note = or_404(services.get_visible_notification(current_user, notification_id))
    services.mark_read(current_user.id, note.id)
    return redirect(safe_next(note.link, request.url_root), 303)


def _after_change():
    page = _page()
    if htmx:
        response = render_template(
            "notifications/_list.html", page=page, render_title=services.render_title
        )
        return response, 200, {"HX-Trigger": "notifications-changed"}
    return render_template(
        "notifications/index.html", page=page, render_title=services.render_title
    )


def event_label(event_type) -> str:
    """The event's title with its placeholders shown as an ellipsis."""
    return re.sub(r"%\(\w+\)s", "…", str(event_type.title))


CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS"), "wechat": _l("WeChat")}


@bp.route("/preferences", methods=["GET", "POST"])
@roles(*ROLES)
def preferences():
    """Which events reach the user on which channel (the in-app centre always has them)."""
    if request.method == "POST":
        chosen = {tuple(key.split(":", 2)[1:]) for key in request.form if key.startswith("pref:")}
        services.save_preferences(current_user.id, {c for c in chosen if len(c) == 2})
        flash(_("Preferences saved."), "success")
        return redirect(url_for("notifications.preferences"), 303)
    events = sorted(
        ({"name": e.name, "label": event_label(e)} for e in services.EVENTS.values()),
        key=lambda e: e["label"],
    )
    return render_template(
        "notifications/preferences.html",
        events=events,
        channels=services.CHANNELS,
        channel_labels=CHANNEL_LABELS,
        grid=services.preference_grid(current_user.id),
        gateway=services.active_webhook() is not None,
    )


@bp.route("/gateway", methods=["GET", "POST"])
@roles(*MANAGERS)
def gateway():
    """The firm's SMS/WeChat gateway URL and the secret its requests are signed with."""
    hook = db.session.scalar(db.select(NotificationWebhook).order_by(NotificationWebhook.id.desc()))
    form = GatewayForm(
        data={"url": hook.url if hook else "", "enabled": hook.enabled if hook else True}
    )
    if form.validate_on_submit():
        if hook is None:
            hook = NotificationWebhook(secret=new_secret())
            db.session.add(hook)
        if form.new_secret.data:
            hook.secret = new_secret()
        hook.url, hook.enabled = form.url.data.strip(), form.enabled.data
        record_audit(
            "notification_gateway_changed",
            "notification_webhook",
            None,
            url=hook.url,
            enabled=hook.enabled,
            new_secret=bool(form.new_secret.data),
        )
        flash(_("Gateway saved."), "success")
        return redirect(url_for("notifications.gateway"), 303)
    return render_template("notifications/gateway.html", form=form, hook=hook), form_status(form)
