"""Who may use which view. Every view declares it; ``create_app`` checks that.

Firm areas (site, portal, desk) answer only on a firm's host, the platform
area only on the platform domain; on the wrong host they are a plain 404.
"""

import functools

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

OWNER, ADMIN, ACCOUNTANT, CLIENT = "owner", "admin", "accountant", "client"
ROLES = (OWNER, ADMIN, ACCOUNTANT, CLIENT)
STAFF = (OWNER, ADMIN, ACCOUNTANT)
MANAGERS = (OWNER, ADMIN)

ACCESS_ATTR = "_yk_access"


def _declare(view, access: str):
    setattr(view, ACCESS_ATTR, access)
    return view


def anyone(view):
    """Open to everybody, signed in or not."""
    return _declare(view, "anyone")


def roles(*allowed: str):
    """Only signed-in users of the current firm whose role is in ``allowed``."""
    unknown = set(allowed) - set(ROLES)
    if unknown or not allowed:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _declare(guarded, "roles:" + ",".join(allowed))

    return decorator


def require_firm_host():
    """``before_request`` of firm areas: 404 on the platform domain."""
    if g.get("tenant") is None:
        abort(404)


def require_platform_host():
    """``before_request`` of platform areas: 404 on a firm's host."""
    if g.get("tenant") is not None:
        abort(404)


def undeclared_views(app) -> list[str]:
    """Endpoints whose view does not say who may use it."""
    missing = []
    for endpoint, view in app.view_functions.items():
        if endpoint == "static" or endpoint.endswith(".static"):
            continue
        if not hasattr(view, ACCESS_ATTR):
            missing.append(endpoint)
    return sorted(missing)


def or_404(obj):
    """``obj``, or a 404 when a ``get_visible_…`` lookup found nothing this user may see."""
    return obj if obj is not None else abort(404)
