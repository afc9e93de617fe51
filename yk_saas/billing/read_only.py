"""A firm whose platform subscription is past due is read-only for its staff."""

from flask import g, render_template, request
from flask_login import current_user

READ_ONLY_ALLOWED = {
    "accounts.logout",
    "accounts.login",
    "common.set_language",
    "billing_admin.subscription",
    "billing_admin.subscription_checkout",
}


def refuse_staff_writes_while_past_due():
    """Past due: staff may look but not change anything (clients can still pay)."""
    firm = g.get("tenant")
    if (
        firm is None
        or not firm.is_read_only
        or request.method in ("GET", "HEAD", "OPTIONS")
        or request.endpoint in READ_ONLY_ALLOWED
    ):
        return None
    if current_user.is_authenticated and current_user.is_staff:
        return render_template("billing/read_only.html"), 403
    return None
