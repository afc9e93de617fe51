"""The notification centre and its unread badge."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from tenants import db
from yk_saas.access import ROLES, require_firm_host, roles
from yk_saas.extensions import htmx
from yk_saas.notifications import services
from yk_saas.notifications.models import Notification
from yk_saas.urls import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.before_request(require_firm_host)


@bp.route("/")
@roles(*ROLES)
def index():
    items = services.recent_notifications(current_user.id)
    return render_template("notifications/index.html", items=items, render_title=services.render_title)


@bp.route("/badge")
@roles(*ROLES)
def badge():
    """HTMX: the unread count, polled and refreshed on ``notifications-changed``."""
    return render_template("notifications/_badge.html", unread=services.unread_count(current_user.id))


@bp.route("/read", methods=["POST"])
@roles(*ROLES)
def mark_all_read():
    services.mark_read(current_user.id)
    return _after_change()


@bp.route("/<int:notification_id>/open", methods=["POST"])
@roles(*ROLES)
def open_one(notification_id):
    """Mark one notification read and go where it points (only within this site)."""
    note = db.first_or_404(db.select(Notification).where(
        Notification.id == notification_id, Notification.user_id == current_user.id))
    services.mark_read(current_user.id, note.id)
    from flask import redirect

    return redirect(safe_next(note.link, request.url_root), 303)


def _after_change():
    items = services.recent_notifications(current_user.id)
    if htmx:
        response = render_template("notifications/_list.html", items=items, render_title=services.render_title)
        return response, 200, {"HX-Trigger": "notifications-changed"}
    return render_template("notifications/index.html", items=items, render_title=services.render_title)
