"""In a real headless Chromium: typing in the claim pool's search box filters the list in place,
the address keeps the words (a reload or a shared link shows the same list), and a search with
nothing found says so; the invoice list filters the same way."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD
from tests.support.browser import screenshot
from tests.support.firms import provision_firm
from tests.support.work import firm, new_request

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def search_firm(app):
    from yk_saas.models_base import utcnow

    made = provision_firm(app, "searchweb", "SW")
    with firm(app, "searchweb"):
        now = utcnow()
        for title in ("Renew business licence", "Payroll for November", "Payroll for December"):
            new_request(made["client_x"], title, now=now)
    return made


def sign_in(browser, base, email):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_the_claim_pool_search_filters_in_place_and_keeps_its_words(search_firm, server, browser):
    base = f"http://{search_firm['host']}:{server}"
    admin = sign_in(browser, base, search_firm["admin"])
    admin.goto(f"{base}/desk/work/pool")
    rows = admin.locator("#work-pool tbody tr")
    expect(rows).to_have_count(3)
    marker = admin.evaluate("() => (window.searchMarker = 'same page')")

    admin.locator("#q").press_sequentially("payroll", delay=30)
    expect(rows).to_have_count(2)
    expect(admin).to_have_url(re.compile(r".*/desk/work/pool\?q=payroll$"))
    assert admin.evaluate("() => window.searchMarker") == marker  # filtered without a page load
    assert "Renew business licence" not in admin.inner_text("#work-pool")
    screenshot(admin, "search-claim-pool")

    admin.reload()  # the address alone gives the same list
    expect(rows).to_have_count(2)
    expect(admin.locator("#q")).to_have_value("payroll")

    admin.locator("#q").fill("no such work")
    expect(admin.locator("#no-match")).to_be_visible()
    expect(admin).to_have_url(re.compile(r".*\?q=no(\+|%20)such(\+|%20)work$"))
    # The firm works in Chinese: the sentence says nothing matched what was typed.
    assert "抢单池中没有与“no such work”相符的事项" in admin.inner_text("#no-match")


def test_the_invoice_search_filters_in_place(app, search_firm, server, browser):
    from tenants import tenant_context
    from tests.support.billing import new_invoice

    with app.app_context(), tenant_context("searchweb"):
        new_invoice(search_firm["ids"]["company_x"], 12000)
        new_invoice(search_firm["ids"]["company_y"], 34000)
    base = f"http://{search_firm['host']}:{server}"
    admin = sign_in(browser, base, search_firm["admin"])
    admin.goto(f"{base}/desk/billing/")
    rows = admin.locator("#invoice-list .invoice-row")
    expect(rows).to_have_count(2)
    admin.locator("#q").press_sequentially("Company Y", delay=30)
    expect(rows).to_have_count(1)
    expect(admin).to_have_url(re.compile(r".*/desk/billing/\?q=Company(\+|%20)Y.*"))
    assert "SW Company Y" in admin.inner_text("#invoice-list")
    admin.select_option("#invoice-status", "paid")
    expect(admin.locator("#no-match")).to_be_visible()
    expect(admin).to_have_url(re.compile(r".*status=paid.*"))
