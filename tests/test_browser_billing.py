"""In a real headless Chromium: contract → billing run → the client sees the invoice → staff
record the offline payment → balance zero; then a refund request walked to the end."""

import re

import pytest

from tests.support import PASSWORD
from tests.support.browser import screenshot
from tests.support.firms import provision_firm

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def money_firm(app):
    return provision_firm(app, "moneyweb", "MW")


def sign_in(browser, base, email):
    page = browser.new_context(locale="en-US").new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_contract_to_paid_invoice_and_a_refund_walked_to_the_end(app, server, money_firm, browser):
    base = f"http://{money_firm['host']}:{server}"
    admin = sign_in(browser, base, money_firm["admin"])
    admin.goto(f"{base}/desk/billing/contracts")
    admin.select_option("#company_id", label="MW Company X")
    admin.fill("#plan", "代理记账 Bookkeeping")
    admin.fill("#fee", "300.00")
    start = admin.input_value("#starts_on")
    admin.fill("#starts_on", start[:8] + "01")
    admin.click("#contract-form button[type=submit]")
    admin.wait_for_selector(".flash-success")
    admin.goto(f"{base}/desk/billing/")
    admin.click("#run-billing")
    admin.wait_for_selector(".flash-success")
    number = admin.inner_text(".invoice-row td a")
    assert re.fullmatch(r"INV-\d{4}-00001", number)

    client = sign_in(browser, base, money_firm["client_x"])
    client.goto(f"{base}/portal/billing/")
    assert number in client.inner_text("main")
    assert "300.00" in client.inner_text("#client-balance")
    screenshot(client, "billing-client-owes")

    admin.click(f"text={number}")
    admin.fill("#amount", "300.00")
    admin.fill("#reference", "BT-20261123")
    admin.click("#payment-form button[type=submit]")
    admin.wait_for_selector(".flash-success")

    client.reload()
    assert "0.00" in client.inner_text("#client-balance")
    assert "300.00" not in client.inner_text("#client-balance")

    client.click(f"text={number}")
    client.fill("#reason", "The October return was filed twice.")
    client.click("#refund-form button[type=submit]")
    client.wait_for_url(re.compile(r".*/portal/billing/refunds/\d+$"))
    refund_path = client.url.split(str(server), 1)[1].replace("/portal/billing", "/desk/billing")

    admin.goto(base + refund_path)
    admin.fill("#propose-form #amount", "100.00")
    admin.click("#propose-form button[type=submit]")
    admin.wait_for_selector(".flash-success")

    client.reload()
    client.click("#accept-refund")
    client.wait_for_selector(".flash-success")

    admin.reload()
    admin.click("#execute-refund")
    admin.wait_for_selector("#close-refund")
    admin.click("#close-refund")
    admin.wait_for_selector(".flash-success")

    client.reload()
    steps = client.locator("#refund-steps li")
    assert steps.count() == 5  # requested, proposed, accepted, paid out, closed
    assert "100.00" in client.inner_text("#refund-state")
    screenshot(client, "billing-refund-closed")
