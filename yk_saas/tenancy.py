"""Request glue of the tenancy layer: host → firm before anything else."""

from flask import abort, g, render_template, request

from tenants.binding import bind, unbind
from tenants.resolve import normalize_host, resolver


def is_platform_host(host: str, platform_domain: str) -> bool:
    return normalize_host(host) == platform_domain


def bind_request_tenant():
    """Resolve the firm of ``request.host`` and bind its schema, or 404."""
    from flask import current_app

    g.tenant = None
    g.tenant_token = bind(None)
    if is_platform_host(request.host, current_app.config["PLATFORM_DOMAIN"]):
        return None
    info = resolver.resolve(request.host)
    if info is None:
        abort(404)
    unbind(g.pop("tenant_token"))
    g.tenant = info
    g.tenant_token = bind(info)
    if info.is_suspended and not request.path.startswith("/static/"):
        return render_template("errors/suspended.html"), 503
    return None


def unbind_request_tenant(_exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        unbind(token)


def init_app(app) -> None:
    app.before_request(bind_request_tenant)
    app.teardown_request(unbind_request_tenant)
