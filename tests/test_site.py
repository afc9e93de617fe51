"""The firm's own site: branding, the home page builder, sanitizing, publishing, caching."""

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tenants.models import Tenant

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

XSS_PAYLOADS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "<a href=\"javascript:alert('xss-3')\">click</a>",
    "javascript:alert('xss-4')",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    "data:text/html,<script>alert('xss-5')</script>",
    "<svg onload=alert('xss-6')></svg>",
    "<p style=\"width:expression(alert('xss-7'))\">css</p>",
    "<div onmouseover=\"alert('xss-8')\">hover</div>",
    "<iframe src=\"javascript:alert('xss-9')\"></iframe>",
    "\"><script>alert('xss-10')</script>",
    "<math><mi xlink:href=\"javascript:alert('xss-11')\">m</mi></math>",
]
BAD_TAGS = {"script", "iframe", "svg", "math", "object", "embed", "style"}


class TagAudit(HTMLParser):
    """Collects what a browser would actually execute: tags, event handlers, URLs, styles."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and (attrs.get("src") or "").startswith("/static/"):
            return
        if tag in BAD_TAGS:
            self.problems.append(tag)
        for name, value in attrs.items():
            value = (value or "").strip().lower()
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "xlink:href") and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"{tag}[{name}={value[:20]}]")


def assert_clean(body: str, css: bool = False):
    if css:
        assert "expression(" not in body and "javascript:" not in body and "<" not in body
        return
    audit = TagAudit()
    audit.feed(body)
    assert audit.problems == []


def publish(client):
    assert client.post("/desk/admin/site/publish").status_code in (200, 303)


@pytest.fixture
def site_firm(app, host_client):
    """A firm of its own, so publishing does not change the shared firms' home pages."""
    import secrets

    from tests.support.firms import provision_firm

    slug = "site" + secrets.token_hex(3)
    return provision_firm(app, slug, "SITEFIRM")


@pytest.fixture(scope="module")
def xss_firm(app):
    from tests.support.firms import provision_firm

    return provision_firm(app, "xssfirm", "XSSFIRM")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_xss_payload_survives_any_owner_editable_field(app, xss_firm, signed_in, payload):
    site_firm = xss_firm
    slug = f"p{XSS_PAYLOADS.index(payload)}"
    owner = signed_in(site_firm, "owner")
    owner.post(
        "/desk/admin/site/sections", {"kind": "rich_text", "title": payload, "body": payload}
    )
    owner.post("/desk/admin/site/sections", {"kind": "about", "title": payload, "body": payload})
    owner.post("/desk/admin/site/sections", {"kind": "announcements", "title": payload})
    owner.post("/desk/admin/site/pages", {"slug": slug, "title": payload, "body": payload})
    owner.post("/desk/admin/site/announcements", {"title": payload, "body": payload})
    owner.post("/desk/admin/site/menu", {"label": payload, "url": payload})
    owner.post("/desk/admin/site/menu", {"label": payload, "url": "/p/about"})
    owner.post(
        "/desk/admin/site/slides",
        {
            "title": payload,
            "subtitle": payload,
            "link": payload,
            "image": (io.BytesIO(PNG), "a.png"),
        },
    )
    owner.post(
        "/desk/admin/site/slides",
        {
            "title": payload,
            "subtitle": payload,
            "link": "/p/about",
            "image": (io.BytesIO(PNG), "b.png"),
        },
    )
    owner.post(
        "/desk/settings",
        {
            "name": "Site Firm",
            "locale": "en",
            "timezone": "UTC",
            "phone": payload[:32],
            "email": "",
            "address": payload[:200],
        },
    )
    owner.post("/desk/admin/site/branding/", {"primary": payload, "accent": payload})
    publish(owner)
    visitor = signed_in(site_firm, "client_x")
    pages = [
        visitor.get("/"),
        visitor.get(f"/p/{slug}"),
        owner.get("/desk/admin/site/preview"),
        owner.get("/desk/admin/site/"),
        owner.get("/brand.css"),
    ]
    assert pages[0].status_code == 200 and pages[1].status_code == 200
    assert "site-rich_text" in pages[0].get_data(as_text=True)
    for response in pages[:-1]:
        assert_clean(response.get_data(as_text=True))
    assert_clean(pages[-1].get_data(as_text=True), css=True)


def test_draft_stays_private_until_published_then_the_cache_is_refreshed(
    app, site_firm, signed_in, host_client
):
    owner = signed_in(site_firm, "owner")
    visitor = host_client(site_firm["host"])
    owner.post(
        "/desk/admin/site/sections",
        {
            "kind": "rich_text",
            "title": "Spring tax season",
            "body": "<p>File by <strong>May</strong></p>",
        },
    )
    assert "Spring tax season" in owner.get("/desk/admin/site/preview").get_data(as_text=True)
    assert "Spring tax season" not in visitor.get("/").get_data(as_text=True)
    publish(owner)
    home = visitor.get("/").get_data(as_text=True)
    assert "Spring tax season" in home and "<strong>May</strong>" in home
    owner.post(
        "/desk/admin/site/sections", {"kind": "rich_text", "title": "Summer offers", "body": ""}
    )
    assert "Summer offers" not in visitor.get("/").get_data(as_text=True)
    publish(owner)
    assert "Summer offers" in visitor.get("/").get_data(as_text=True)


def test_sections_reorder_and_slides_show_their_uploaded_image(
    app, site_firm, signed_in, host_client
):
    owner = signed_in(site_firm, "owner")
    owner.post("/desk/admin/site/sections", {"kind": "rich_text", "title": "First block"})
    owner.post("/desk/admin/site/sections", {"kind": "rich_text", "title": "Second block"})
    owner.post(
        "/desk/admin/site/slides", {"title": "Open day", "image": (io.BytesIO(PNG), "s.png")}
    )
    with app.app_context(), tenant_context(site_firm["slug"]):
        from yk_saas.site.models import SiteSection

        second = db.session.scalar(
            select(SiteSection.id).where(SiteSection.title == "Second block")
        )
    owner.post(f"/desk/admin/site/section/{second}/move/up", headers={"HX-Request": "true"})
    publish(owner)
    home = host_client(site_firm["host"]).get("/").get_data(as_text=True)
    assert home.index("Second block") < home.index("First block")
    image = re.search(r'src="(/site/media/[^"]+)"', home).group(1)
    response = host_client(site_firm["host"]).get(image)
    assert response.status_code == 200 and response.data == PNG


def test_menu_nests_one_level_only(app, site_firm, signed_in):
    owner = signed_in(site_firm, "owner")
    owner.post("/desk/admin/site/menu", {"label": "Services", "url": "/p/services"})
    with app.app_context(), tenant_context(site_firm["slug"]):
        from yk_saas.site.models import SiteMenuItem

        top = db.session.scalar(select(SiteMenuItem.id).where(SiteMenuItem.label == "Services"))
    assert (
        owner.post(
            "/desk/admin/site/menu", {"label": "Tax", "url": "/p/tax", "parent_id": str(top)}
        ).status_code
        == 303
    )
    with app.app_context(), tenant_context(site_firm["slug"]):
        child = db.session.scalar(select(SiteMenuItem.id).where(SiteMenuItem.label == "Tax"))
    assert (
        owner.post(
            "/desk/admin/site/menu", {"label": "Deep", "url": "/x", "parent_id": str(child)}
        ).status_code
        == 422
    )


def test_expired_and_future_announcements_are_hidden(app, site_firm, signed_in, host_client):
    owner = signed_in(site_firm, "owner")
    owner.post("/desk/admin/site/sections", {"kind": "announcements", "title": "News"})
    owner.post("/desk/admin/site/announcements", {"title": "Office closed Monday"})
    owner.post(
        "/desk/admin/site/announcements",
        {"title": "Old notice", "publish_at": "2020-01-01T09:00", "expires_at": "2020-02-01T09:00"},
    )
    owner.post(
        "/desk/admin/site/announcements",
        {"title": "Future notice", "publish_at": "2099-01-01T09:00"},
    )
    publish(owner)
    home = host_client(site_firm["host"]).get("/").get_data(as_text=True)
    assert (
        "Office closed Monday" in home and "Old notice" not in home and "Future notice" not in home
    )


def test_branding_colours_are_contrast_checked_and_served_as_css_variables(
    app, site_firm, signed_in, host_client
):
    owner = signed_in(site_firm, "owner")
    too_light = owner.post(
        "/desk/admin/site/branding/", {"primary": "#ffff00", "accent": "#0f2f66"}
    )
    assert too_light.status_code == 422 and "4.5:1" in too_light.get_data(as_text=True)
    assert (
        owner.post(
            "/desk/admin/site/branding/",
            {"primary": "#8a1538", "accent": "#222222", "logo": (io.BytesIO(PNG), "logo.png")},
        ).status_code
        == 303
    )
    home = host_client(site_firm["host"]).get("/").get_data(as_text=True)
    css_url = re.search(r'href="(/brand\.css\?v=[0-9a-f]+)"', home).group(1)
    css = host_client(site_firm["host"]).get(css_url)
    assert (
        "--brand:#8a1538" in css.get_data(as_text=True)
        and "immutable" in css.headers["Cache-Control"]
    )
    assert re.search(r'<img class="logo" src="/site/media/', home)
    portal = signed_in(site_firm, "client_x").get("/portal/").get_data(as_text=True)
    assert css_url in portal
    with app.app_context():
        branding = db.session.scalar(
            select(Tenant.branding).where(Tenant.slug == site_firm["slug"])
        )
    assert branding["primary"] == "#8a1538"


def test_only_managers_edit_the_site(app, firm_a, signed_in):
    assert signed_in(firm_a, "accountant").get("/desk/admin/site/").status_code == 403
    assert signed_in(firm_a, "client_x").post("/desk/admin/site/publish").status_code == 403


def test_cached_home_page_gives_each_visitor_a_working_csrf_token(app, firm_a, host_client):
    first, second = host_client(firm_a["host"]), host_client(firm_a["host"])
    tokens = []
    for visitor in (first, second):
        html = visitor.get("/").get_data(as_text=True)
        assert "placeholder__" not in html
        tokens.append(re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))
        switch = visitor.client.post(
            "/lang",
            base_url=visitor.base_url,
            data={"locale": "en", "next": "/", "csrf_token": tokens[-1]},
        )
        assert switch.status_code == 303  # a refused token would be 400
        assert 'lang="en"' in visitor.get("/").get_data(as_text=True)
    assert tokens[0] != tokens[1]


def test_sections_and_pages_can_be_edited_and_stay_sanitized(
    app, site_firm, signed_in, host_client
):
    owner = signed_in(site_firm, "owner")
    owner.post(
        "/desk/admin/site/sections", {"kind": "about", "title": "Who we are", "body": "<p>Old</p>"}
    )
    owner.post(
        "/desk/admin/site/pages", {"slug": "team", "title": "Team", "body": "<p>Old team</p>"}
    )
    with app.app_context(), tenant_context(site_firm["slug"]):
        from yk_saas.site.models import SitePage, SiteSection

        section_id = db.session.scalar(
            select(SiteSection.id).where(SiteSection.title == "Who we are")
        )
        page_id = db.session.scalar(select(SitePage.id).where(SitePage.slug == "team"))
    assert "Who we are" in owner.get(f"/desk/admin/site/sections/{section_id}").get_data(
        as_text=True
    )
    assert (
        owner.post(
            f"/desk/admin/site/sections/{section_id}",
            {"title": "About the firm", "body": "<p onclick=x()>New <em>text</em></p>"},
        ).status_code
        == 303
    )
    assert (
        owner.post(
            f"/desk/admin/site/pages/{page_id}",
            {"slug": "team", "title": "Our team", "body": "<p>New team</p><script>x()</script>"},
        ).status_code
        == 303
    )
    publish(owner)
    visitor = host_client(site_firm["host"])
    home = visitor.get("/").get_data(as_text=True)
    assert "About the firm" in home and "<p>New <em>text</em></p>" in home
    team = visitor.get("/p/team").get_data(as_text=True)
    assert "Our team" in team and "<p>New team</p>" in team
    assert_clean(home)
    assert_clean(team)


def test_recommended_services_section_follows_the_catalog_without_a_new_publish(
    app, site_firm, signed_in, host_client
):
    from tenants import tenant_context
    from yk_saas.catalog import services as catalog

    owner = signed_in(site_firm, "owner")
    visitor = host_client(site_firm["host"])
    owner.post("/desk/admin/site/sections", {"kind": "recommended", "title": "", "body": ""})
    publish(owner)
    values = {
        "name": "Bookkeeping Deluxe",
        "description": "",
        "price_cents": 30000,
        "currency": "CNY",
        "billing_cycle": "monthly",
        "published": True,
        "recommended": False,
        "sort_order": 0,
    }
    with app.test_request_context(), tenant_context(site_firm["slug"]):
        service_id = catalog.save_service(values).id
        db.session.commit()
    assert "Bookkeeping Deluxe" not in visitor.get("/").get_data(as_text=True)
    with app.test_request_context(), tenant_context(site_firm["slug"]):
        catalog.set_flag(service_id, "recommended", True)
        db.session.commit()
    home = visitor.get("/").get_data(as_text=True)
    assert "Bookkeeping Deluxe" in home and f"/portal/catalog/{service_id}" in home


def test_page_addresses_stay_unique_whoever_saves_the_page(app, site_firm, signed_in):
    from flask_babel import force_locale

    from yk_saas.site import services
    from yk_saas.site.models import SitePage

    owner = signed_in(site_firm, "owner")
    page = {"slug": "unique-a", "title": "First", "body": ""}
    assert owner.post("/desk/admin/site/pages", page).status_code == 303
    refused = owner.post("/desk/admin/site/pages", {**page, "title": "Again"})
    assert refused.status_code == 422
    assert "已有页面使用该地址。" in refused.get_data(as_text=True)  # the firm's language
    with app.test_request_context(), tenant_context(site_firm["slug"]):
        with force_locale("zh_Hans_CN"), pytest.raises(services.SiteError) as clash:
            services.save_page(None, "unique-a", "Direct", "")
        assert clash.value.field == "slug" and str(clash.value) == "已有页面使用该地址。"
        other = services.save_page(None, "unique-b", "Second", "")
        db.session.flush()
        with pytest.raises(services.SiteError):
            services.save_page(other, "unique-a", "Second", "")
        db.session.rollback()
        titles = db.session.scalars(select(SitePage.title).where(SitePage.slug == "unique-a"))
        assert list(titles) == ["First"]
