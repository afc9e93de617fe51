"""In a real headless Chromium: books go up and the client sees them; a complaint is heard."""

import re
from pathlib import Path

import pytest

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.browser import live_server, require_chromium, screenshot
from yk_saas.clients.models import ClientCompany

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n%browser books\n"


@pytest.fixture(scope="module")
def server(app, firm_a):
    require_chromium()
    with app.app_context(), tenant_context("alpha"):
        db.session.get(ClientCompany, 1).dedicated_accountant_id = 3
        db.session.commit()
    with live_server(app) as port:
        yield port


def sign_in(browser, base, email):
    page = browser.new_context(locale="en-US", accept_downloads=True).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_books_reach_the_client_and_a_complaint_is_resolved(server, firm_a, tmp_path, browser):
    base = f"http://{firm_a['host']}:{server}"
    books = tmp_path / "books-2024-11.pdf"
    books.write_bytes(PDF)
    accountant = sign_in(browser, base, firm_a["accountant"])
    accountant.goto(f"{base}/desk/ledgers/company/1")
    accountant.fill("#period", "2024-11")
    accountant.click("form.inline-form button[type=submit]")
    accountant.wait_for_url(re.compile(r".*/desk/ledgers/\d+$"))
    for field, value in (
        ("revenue", "98000"),
        ("costs", "61000"),
        ("profit", "37000"),
        ("vat", "2940"),
    ):
        accountant.fill(f"#{field}", value)
    accountant.click("#ledger-figures button[type=submit]")
    accountant.wait_for_url(re.compile(r".*/desk/ledgers/\d+$"))
    accountant.set_input_files("#ledger-files input[type=file]", str(books))
    accountant.click("#ledger-files button[type=submit]")
    accountant.wait_for_selector("#ledger-files a:text('books-2024-11.pdf')")
    screenshot(accountant, "clients-accountant-books")

    client = sign_in(browser, base, firm_a["client_x"])
    client.goto(f"{base}/portal/ledgers/")
    assert client.locator("#ledger-charts svg rect.bar").count() >= 1
    screenshot(client, "clients-portal-chart")
    client.click("#ledger-periods a:text('2024-11')")
    with client.expect_download() as download:
        client.click("#ledger-files a:text('books-2024-11.pdf')")
    assert Path(download.value.path()).read_bytes() == PDF

    client.goto(f"{base}/portal/feedback/complaints/")
    client.fill("#title", "Browser: the report came late")
    client.fill("#description", "We waited a week for the November report.")
    client.click("#complaint-form button[type=submit]")
    client.wait_for_url(re.compile(r".*/portal/feedback/complaints/\d+$"))
    complaint_url = client.url

    admin = sign_in(browser, base, firm_a["admin"])
    admin.goto(f"{base}/desk/feedback/complaints/{complaint_url.rsplit('/', 1)[1]}")
    admin.select_option("#state", "resolved")
    admin.fill("#resolution", "Sorry: from now on reports go out by the 10th.")
    admin.click("#complaint-state button[type=submit]")
    admin.wait_for_selector("#complaint-resolution")

    client.goto(complaint_url)
    assert "reports go out by the 10th" in client.inner_text("#complaint-resolution")
    screenshot(client, "clients-complaint-resolved")
