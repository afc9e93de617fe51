"""The firm's public pages: home, simple pages, brand stylesheet and site images."""

import json

from flask import Blueprint, abort, g, make_response, render_template, request, send_file, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from yk_saas.access import anyone, or_404, require_firm_host
from yk_saas.files.services import firm_folder
from yk_saas.site import branding, services

bp = Blueprint("site", __name__)
bp.before_request(require_firm_host)

YEAR = 365 * 24 * 3600


#: Stands for the visitor's CSRF token in a whole page cached for anonymous visitors.
CSRF_PLACEHOLDER = "__yk_csrf_token_placeholder__"


def firm_home_page():
    """Served at "/" of a firm's host (see common.home): the published site, cached.

    The body is cached per firm, site version and language. For anonymous
    visitors (no query string, no flashed message) the whole page is cached
    too, with a placeholder where each visitor's own CSRF token goes.
    """
    firm = g.tenant
    anonymous = (
        not current_user.is_authenticated
        and not request.query_string
        and not session.get("_flashes")
    )
    if anonymous:
        page_key = (
            "page",
            firm.id,
            str(get_locale()),
            firm.name,
            json.dumps(firm.branding, sort_keys=True, default=str),
        )
        cached = services.cache.get(page_key)
        if cached is None:
            cached = services.cache.put(
                page_key, render_home(firm, csrf_token=lambda: CSRF_PLACEHOLDER)
            )
        return cached.replace(CSRF_PLACEHOLDER, generate_csrf())
    return render_home(firm)


def render_home(firm, **context) -> str:
    snapshot = services.published_snapshot()
    if snapshot is None:
        return render_template("site/home.html", main=None, menu=[], **context)
    key = ("home", firm.id, services.site_version(firm), str(get_locale()))
    main = services.cache.get(key)
    if main is None:
        main = services.cache.put(
            key,
            render_template(
                "site/_main.html",
                snapshot=snapshot,
                slides=services.current_slides(snapshot),
                announcements=services.live_announcements(),
                **catalog_context(snapshot),
            ),
        )
    return render_template("site/home.html", main=Markup(main), menu=snapshot["menu"], **context)


def catalog_context(snapshot) -> dict:
    """Recommended services and categories, queried only when the page shows them."""
    from yk_saas.catalog import services as catalog

    kinds = {section["kind"] for section in snapshot["sections"]}
    return {
        "recommended": catalog.recommended_services() if "recommended" in kinds else [],
        "categories": catalog.categories_with_counts() if "categories" in kinds else [],
    }


@bp.route("/p/<slug>")
@anyone
def page(slug):
    snapshot = services.published_snapshot() or {}
    page = snapshot.get("pages", {}).get(slug)
    if page is None:
        abort(404)
    return render_template("site/page.html", page=page, menu=snapshot.get("menu", []))


@bp.route("/brand.css")
@anyone
def brand_stylesheet():
    """The firm's colours as CSS variables; the URL carries a hash, so it is cached for long."""
    response = make_response(branding.brand_css(g.tenant.branding))
    response.mimetype = "text/css"
    if request.args.get("v") == branding.brand_version(g.tenant.branding):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/site/media/<key>")
@anyone
def media(key):
    """Images the owner put on the public site (slides, logo, favicon), nothing else."""
    stored = or_404(services.get_public_media(key))
    response = send_file(firm_folder() / stored.key, mimetype=stored.content_type, max_age=YEAR)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
