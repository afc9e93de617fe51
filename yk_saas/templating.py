"""What every template can use: the firm, the navigation, links."""

from flask import g, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from yk_saas.access import MANAGERS, STAFF
from yk_saas.i18n import page_locale
from yk_saas.money import format_money

# Menu groups of the staff desk: (group label, [(endpoint, label, roles that see it)]).
DESK_NAV = [
    (
        None,
        [
            ("desk.home", _l("Overview"), STAFF),
            ("dashboards_admin.index", _l("Dashboard"), MANAGERS),
        ],
    ),
    (
        _l("Work"),
        [
            ("work.pool", _l("Claim pool"), ("accountant", *MANAGERS)),
            ("work.mine", _l("My work"), ("accountant",)),
            ("work.board", _l("Work board"), MANAGERS),
            ("catalog_admin.index", _l("Catalog"), MANAGERS),
        ],
    ),
    (
        _l("Clients"),
        [
            ("clients.index", _l("Clients"), STAFF),
            ("ledgers.board", _l("Books"), STAFF),
            ("feedback.complaint_list", _l("Complaints"), STAFF),
            ("feedback.followup_list", _l("Follow-ups"), STAFF),
            ("feedback.survey_results", _l("Surveys"), STAFF),
        ],
    ),
    (
        _l("Money"),
        [
            ("billing.index", _l("Invoices"), STAFF),
            ("billing.contracts", _l("Contracts"), MANAGERS),
            ("billing_admin.receivables", _l("Receivables"), MANAGERS),
            ("billing.refund_list", _l("Refunds"), STAFF),
        ],
    ),
    (
        _l("Team"),
        [
            ("staff.team", _l("Team"), STAFF),
            ("staff.performance", _l("Performance"), STAFF),
            ("accounts_admin.staff_accounts", _l("Staff and invitations"), MANAGERS),
        ],
    ),
    (
        _l("Firm"),
        [
            ("desk.settings", _l("Settings"), MANAGERS),
            ("work_admin.settings", _l("Work settings"), MANAGERS),
            ("billing_admin.settings", _l("Money settings"), MANAGERS),
            ("site_admin.index", _l("Home page"), MANAGERS),
            ("domains_admin.index", _l("Domains"), ("owner",)),
            ("mail_admin.index", _l("Outbox"), MANAGERS),
            ("audit_admin.index", _l("Audit log"), MANAGERS),
            ("export_admin.index", _l("Export"), ("owner",)),
            ("billing_admin.subscription", _l("Subscription"), ("owner",)),
        ],
    ),
]
PORTAL_NAV = [
    (
        None,
        [
            ("portal.home", _l("Overview"), ("client",)),
            ("catalog_portal.index", _l("Services"), ("client",)),
            ("work_portal.index", _l("My requests"), ("client",)),
            ("billing_portal.overview", _l("Invoices and payments"), ("client",)),
            ("ledgers_portal.index", _l("Books"), ("client",)),
            ("feedback_portal.complaint_list", _l("Complaints"), ("client",)),
        ],
    ),
]
ROLE_LABELS = {
    "owner": _l("Owner"),
    "admin": _l("Admin"),
    "accountant": _l("Accountant"),
    "client": _l("Client"),
}
MAIL_STATUS_LABELS = {
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "outbox": _l("Kept (no SMTP)"),
    "failed": _l("Failed, retrying"),
}


def nav_for(groups):
    """The menu groups and items the signed-in user may open, marking the current one."""
    if not current_user.is_authenticated:
        return []
    visible = []
    for group, items in groups:
        entries = [
            {"endpoint": e, "label": label, "active": request.endpoint == e}
            for e, label, allowed in items
            if current_user.role in allowed
        ]
        if entries:
            visible.append({"label": group, "items": entries})
    return visible


def template_globals():
    return {
        "firm": g.get("tenant"),
        "desk_nav": lambda: nav_for(DESK_NAV),
        "portal_nav": lambda: nav_for(PORTAL_NAV),
        "current_locale": page_locale(),
        "role_labels": ROLE_LABELS,
        "mail_status_labels": MAIL_STATUS_LABELS,
    }


def content_security_policy(config) -> str:
    """Only our own static files; forms may land on a firm's subdomain (signup)."""
    firms = f"{config['PREFERRED_URL_SCHEME']}://*.{config['PLATFORM_DOMAIN']}:*"
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-ancestors 'self'; base-uri 'self'; object-src 'none'; form-action 'self' {firms}"
    )


def add_security_headers(response):
    from flask import current_app

    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(current_app.config)
    )
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.headers.get("HX-Request") is not None or response.vary:
        response.vary.add("HX-Request")
    return response


# Areas only signed-in people see: even their sign-in redirects and error pages are not cached.
PRIVATE_PREFIXES = ("/desk", "/portal", "/account", "/operators", "/notifications")
SIGNED_IN_KEYS = ("_user_id", "operator_session")  # see operators.views.SESSION_TOKEN


def no_store_when_signed_in(response):
    """``Cache-Control: no-store`` on everything served to a signed-in person or from a private area.

    A shared computer's back button or a proxy must never show someone's desk,
    portal, files or exports after they signed out. Static files and what a view
    marked ``public`` itself (the firm's site images, brand stylesheet) keep their caching.
    """
    cache_control = response.headers.get("Cache-Control", "")
    if request.endpoint == "static" or "public" in cache_control or "no-store" in cache_control:
        return response
    if request.path.startswith(PRIVATE_PREFIXES) or any(key in session for key in SIGNED_IN_KEYS):
        response.headers["Cache-Control"] = "no-store"
    return response


def money_filter(minor, currency=None):
    """``{{ item.price_cents|money(item.currency) }}`` in the reader's locale."""
    firm = g.get("tenant")
    currency = currency or (firm.currency if firm else "CNY")
    return format_money(minor, currency, str(get_locale()))


def render_page_or_fragment(page: str, fragment: str, **context):
    """The fragment for an HTMX request (not boosted navigation), else the full page."""
    from flask import render_template

    from yk_saas.extensions import htmx

    template = fragment if htmx and not htmx.boosted else page
    return render_template(template, **context)


def init_app(app) -> None:
    app.context_processor(template_globals)
    app.jinja_env.filters["money"] = money_filter
    app.jinja_env.globals.update(role_labels=ROLE_LABELS, mail_status_labels=MAIL_STATUS_LABELS)
    app.after_request(add_security_headers)
    app.after_request(no_store_when_signed_in)
