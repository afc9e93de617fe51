"""In a real headless Chromium: build the home page beside its live preview, publish it,
and see a notification arrive in the badge without reloading."""

import re

import pytest
from playwright.sync_api import expect

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.browser import screenshot
from tests.support.firms import provision_firm

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def section_titles(page, scope):
    return page.eval_on_selector_all(
        f"{scope} .site-section h2", "els => els.map(e => e.textContent)"
    )


def test_owner_builds_previews_and_publishes_the_home_page(app, server, browser):
    firm = provision_firm(app, "browsersite", "BROWSERSITE")
    base = f"http://{firm['host']}:{server}"
    owner = browser.new_context(locale="en-US").new_page()
    owner.goto(f"{base}/login")
    owner.fill("#email", firm["owner"])
    owner.fill("#password", PASSWORD)
    owner.click("button[type=submit]")
    owner.wait_for_url(re.compile(r".*/desk/$"))
    owner.click(".sidenav a[href='/desk/admin/site/']")
    owner.wait_for_selector("#site-editor")

    for title in ("Why choose us", "Our promise"):
        owner.select_option("#builder-sections select[name=kind]", "rich_text")
        owner.fill("#builder-sections input[name=title]", title)
        owner.click("#builder-sections form button.button")
        owner.wait_for_selector(f"#site-preview h2:text-is('{title}')")  # preview refreshed by HTMX

    owner.set_input_files(
        "#builder-slides input[name=image]",
        {"name": "spring.png", "mimeType": "image/png", "buffer": PNG},
    )
    owner.fill("#builder-slides input[name=title]", "Spring tax season")
    owner.click("#builder-slides form button.button")
    owner.wait_for_selector("#site-preview figcaption:has-text('Spring tax season')")
    owner.set_input_files(
        "#builder-slides input[name=image]",
        {"name": "summer.png", "mimeType": "image/png", "buffer": PNG},
    )
    owner.fill("#builder-slides input[name=title]", "Summer payroll")
    owner.click("#builder-slides form button.button")
    owner.wait_for_selector("#site-preview figcaption:has-text('Summer payroll')")

    owner.click("#builder-sections li:nth-child(2) [data-move=up]")
    expect(owner.locator("#site-preview .site-section h2")).to_have_text(
        ["Our promise", "Why choose us"]
    )
    assert owner.locator("#publish-state.notice").count() == 1  # unpublished changes
    screenshot(owner, "site-builder")

    visitor = browser.new_context(locale="en-US").new_page()
    visitor.goto(f"{base}/")
    assert "Spring tax season" not in visitor.inner_text("main")

    owner.click("#publish")
    owner.wait_for_selector("#publish-state.muted")  # visitors see this version
    visitor.reload()
    assert section_titles(visitor, "main") == ["Our promise", "Why choose us"]
    assert "Spring tax season" in visitor.inner_text(".carousel")
    assert visitor.evaluate("document.querySelector('.carousel img').naturalWidth") == 1
    # The carousel turns with its arrows and dots, run by a static script (no inline code).
    carousel = visitor.locator(".carousel.is-live")
    expect(carousel.locator(".carousel-dot")).to_have_count(2)
    expect(carousel).to_have_attribute("data-current", "0")
    carousel.locator(".carousel-next").click()
    expect(carousel).to_have_attribute("data-current", "1")
    expect(carousel.locator(".carousel-dot").nth(1)).to_have_attribute("aria-current", "true")
    carousel.locator(".carousel-dot").nth(0).click()
    expect(carousel).to_have_attribute("data-current", "0")
    assert visitor.locator("script:not([src])").count() == 0
    screenshot(visitor, "site-published")

    # A branding change shows on the public site at the next page view.
    owner.goto(f"{base}/desk/admin/site/branding/")
    owner.fill("#primary", "#7a1f5c")
    owner.click("form button[type=submit]")
    owner.wait_for_selector(".flash-success")
    visitor.reload()
    primary = visitor.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()"
    )
    assert primary.lower() == "#7a1f5c"

    owner.goto(f"{base}/desk/")
    owner.wait_for_selector("#notification-badge")
    assert owner.locator("#notification-badge .count").count() == 0
    from flask_babel import lazy_gettext

    from yk_saas.notifications.services import EventType, notify, register_events

    register_events(EventType("browser_ping", lazy_gettext("Ping")))
    with app.test_request_context(), tenant_context("browsersite"):
        notify("browser_ping", [1], link="/desk/")
        db.session.commit()
    owner.wait_for_selector("#notification-badge .count", timeout=25_000)  # no reload
    assert owner.inner_text("#notification-badge .count") == "1"
