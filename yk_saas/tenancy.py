"""Request glue of the tenancy layer: host → firm before anything else."""

from flask import abort, current_app, g, has_app_context, render_template, request
from redis import Redis

from tenants import db
from tenants.binding import bind, unbind
from tenants.resolve import normalize_host, resolver


def is_platform_host(host: str, platform_domain: str) -> bool:
    return normalize_host(host) == platform_domain


def bind_request_tenant():
    """Resolve the firm of ``request.host`` and bind its schema, or 404."""
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


def commit_successful_request(response):
    """The request is the transaction boundary of a view: a success commits what the view did.

    Any answer of 400 or more leaves the work uncommitted, and the session's removal at
    the end of the request rolls it back; so does an exception.
    """
    if response.status_code < 400:
        db.session.commit()
    return response


def unbind_request_tenant(_exc=None):
    token = g.pop("tenant_token", None)
    if token is not None:
        unbind(token)


def registry_redis() -> Redis | None:
    """Redis holding the registry version of ``tenants.resolve``, with short timeouts.

    A page must not hang on it: when Redis does not answer, the host cache
    falls back to its short lifetime.
    """
    if not has_app_context():
        return None
    conn = current_app.extensions.get("yk_registry_redis")
    if conn is None:
        conn = Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=0.5, socket_connect_timeout=0.5
        )
        current_app.extensions["yk_registry_redis"] = conn
    return conn


def init_app(app) -> None:
    resolver.version_store = registry_redis
    app.before_request(bind_request_tenant)
    app.after_request(commit_successful_request)
    app.teardown_request(unbind_request_tenant)
