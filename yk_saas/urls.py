"""Absolute links to a firm's own host, for e-mails and cross-host redirects."""

from flask import current_app, has_request_context, request, url_for

from tenants import TenantInfo, current_tenant
from tenants.resolve import primary_host


def _port_suffix() -> str:
    port = current_app.config.get("PUBLIC_PORT")
    if not port and has_request_context() and ":" in request.host.rsplit("]", 1)[-1]:
        port = request.host.rsplit(":", 1)[1]
    return f":{port}" if port and str(port) not in ("80", "443") else ""


def firm_base_url(info: TenantInfo | None = None) -> str:
    """``scheme://host[:port]`` of the firm's primary domain."""
    info = info or current_tenant()
    host = primary_host(info.id)
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{host}{_port_suffix()}"


def firm_url(endpoint: str, info: TenantInfo | None = None, **values) -> str:
    """An absolute URL on the firm's primary domain."""
    return firm_base_url(info) + url_for(endpoint, **values)


def platform_url(endpoint: str, **values) -> str:
    domain = current_app.config["PLATFORM_DOMAIN"]
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{domain}{_port_suffix()}" + url_for(
        endpoint, **values
    )


def safe_next(target: str | None, default: str) -> str:
    """A same-site relative path from a ``next`` parameter, else ``default``.

    Control characters and spaces are refused outright: browsers drop tabs and
    newlines from URLs, so ``/<TAB>/evil.example.com`` would become ``//evil.example.com``.
    """
    if not target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
