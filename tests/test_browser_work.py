"""In a real headless Chromium: publish, order, claim, progress seen live, done, rated."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD
from tests.support.browser import screenshot
from tests.support.work import firm, person, reset_staff

pytestmark = pytest.mark.browser
SERVICE = "Payroll set-up Deluxe"


def sign_in(browser, base, email):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_from_published_service_to_rating_without_reloading(app, firm_a, server, browser):
    with firm(app, "alpha"):
        reset_staff(person(firm_a["accountant"]).id, capacity=500)
    base = f"http://{firm_a['host']}:{server}"
    admin = sign_in(browser, base, firm_a["admin"])
    admin.goto(f"{base}/desk/admin/catalog/services/new")
    admin.fill("#name", SERVICE)
    admin.fill("#price", "880.00")
    admin.check("#published")
    admin.click("main form button[type=submit]")
    admin.wait_for_url(re.compile(r".*/desk/admin/catalog/services/\d+$"))

    client = sign_in(browser, base, firm_a["client_x"])
    client.goto(f"{base}/portal/catalog/")
    client.fill("#shop-q", "Deluxe")  # HTMX search swaps the list in
    # Locator waits, not wait_for_function: a string predicate is eval'd, which the CSP forbids.
    expect(client.locator("#shop-list article")).to_have_count(1)
    client.click(f"#shop-list a:text-is('{SERVICE}')")
    client.click("#order-form button[type=submit]")
    client.wait_for_url(re.compile(r".*/portal/work/\d+$"))
    item_id = int(client.url.rsplit("/", 1)[1])

    accountant = sign_in(browser, base, firm_a["accountant"])
    accountant.goto(f"{base}/desk/work/pool")
    row = accountant.locator("#work-pool tr", has_text=f"#{item_id} {SERVICE}")
    row.locator("button.claim-button").click()
    accountant.wait_for_selector("#work-pool .flash-success")
    accountant.goto(f"{base}/desk/work/{item_id}")
    accountant.fill("#body", "Collecting your employee list")
    accountant.select_option("#new_state", "in_progress")
    accountant.click("#progress-form button[type=submit]")
    accountant.wait_for_selector("#work-timeline >> text=Collecting your employee list")

    # The client's page was never reloaded: the timeline polls itself.
    client.wait_for_selector(
        "#client-timeline >> text=Collecting your employee list", timeout=15000
    )
    assert "ALPHASECRET Accountant" in client.inner_text("#work-assignee")
    screenshot(client, "work-client-live")

    accountant.fill("#body", "Payroll is live")
    accountant.select_option("#new_state", "done")
    accountant.click("#progress-form button[type=submit]")
    client.wait_for_selector("#rate-link", timeout=15000)
    client.click("#rate-link")
    for name in ("overall", "attitude", "speed", "quality"):
        client.check(f"#{name}-0")
    client.fill("#comment", "Quick and clear")
    client.click("main form button[type=submit]")
    client.wait_for_url(re.compile(rf".*/portal/work/{item_id}$"))
    assert client.locator("#rate-link").count() == 1
    accountant.goto(f"{base}/desk/work/{item_id}")
    assert "Quick and clear" in accountant.inner_text("#work-rating + p, #work-summary")
    screenshot(accountant, "work-desk-rated")
