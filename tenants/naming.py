"""Slugs and schema names, validated before they come anywhere near SQL."""

import re

SCHEMA_PREFIX = "t_"
SCHEMA_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")

#: Subdomains a firm may not take: they belong to the platform or confuse people.
RESERVED_SLUGS = frozenset(
    [
        "www",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "billing",
        "blog",
        "cdn",
        "console",
        "dashboard",
        "default",
        "demo",
        "dev",
        "docs",
        "download",
        "help",
        "home",
        "img",
        "info",
        "login",
        "logout",
        "mail",
        "media",
        "news",
        "operator",
        "platform",
        "portal",
        "public",
        "root",
        "sales",
        "security",
        "signup",
        "smtp",
        "static",
        "status",
        "support",
        "system",
        "test",
        "tenant",
        "tenants",
        "webmail",
        "yk",
        "ykcloud",
    ]
)


class InvalidSchemaName(ValueError):
    """A schema name that must never be used in SQL."""


def validate_schema_name(name: str) -> str:
    """Return ``name`` if it is a safe firm schema name, else raise.

    Only ``t_``-prefixed lower-case identifiers pass, so ``public``,
    ``pg_catalog``, the ``tenant`` placeholder and anything with quotes,
    semicolons or capitals are refused before any SQL is built.
    """
    if not isinstance(name, str) or not SCHEMA_NAME_RE.fullmatch(name):
        raise InvalidSchemaName(f"invalid schema name: {name!r}")
    if not name.startswith(SCHEMA_PREFIX) or name.startswith("pg_"):
        raise InvalidSchemaName(f"not a firm schema: {name!r}")
    return name


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be a firm's subdomain, or None if it can."""
    if not isinstance(slug, str) or not 3 <= len(slug) <= 32:
        return "length"
    if not SLUG_RE.fullmatch(slug) or "--" in slug:
        return "charset"
    if slug in RESERVED_SLUGS:
        return "reserved"
    return None


def schema_for_slug(slug: str) -> str:
    """The schema name of the firm with this subdomain."""
    if slug_problem(slug) not in (None, "reserved"):
        raise InvalidSchemaName(f"invalid firm slug: {slug!r}")
    return validate_schema_name(SCHEMA_PREFIX + slug.replace("-", "_"))


def quote_schema(name: str) -> str:
    """A validated schema name, quoted for DDL."""
    return f'"{validate_schema_name(name)}"'
