"""In a real headless Chromium: sign up a firm, arrive signed in, invite a colleague."""

import re

import pytest

from tests.support import PASSWORD
from tests.support.browser import screenshot

pytestmark = pytest.mark.browser


def test_signup_arrives_signed_in_and_an_invited_accountant_joins(app, server, browser):
    base = f"http://yk.test:{server}"
    owner = browser.new_context(locale="en-US").new_page()
    owner.goto(f"{base}/signup")
    owner.fill("#firm_name", "Lotus Ledger")
    owner.fill("#slug", "lotus")
    owner.wait_for_selector("#subdomain-check .ok")  # HTMX checked it as we typed
    owner.fill("#owner_name", "Lin Lotus")
    owner.fill("#email", "lin@lotus.example.com")
    owner.fill("#password", PASSWORD)
    owner.select_option("#locale", "en")
    owner.click("button[type=submit]")
    owner.wait_for_url(re.compile(rf"http://lotus\.yk\.test:{server}/desk/"))
    assert "Lin Lotus" in owner.inner_text("main")
    screenshot(owner, "foundation-desk")

    owner.click(".sidenav a:text-is('Staff and invitations')")
    owner.fill("#email", "amy@lotus.example.com")
    owner.click("#staff-invitations button[type=submit]")
    owner.wait_for_selector("#staff-invitations .flash-success")  # swapped in, no reload
    assert "amy@lotus.example.com" in owner.inner_text("#staff-invitations")

    owner.click(".sidenav a:text-is('Outbox')")
    owner.click("text=invites you")
    # The inviter sees the message with its link masked; the server can hand the link over.
    assert "/invitation/••••••" in owner.inner_text(".mail-body")
    screenshot(owner, "foundation-outbox")
    email_id = owner.url.rstrip("/").rsplit("/", 1)[1]
    shown = app.test_cli_runner().invoke(args=["mail", "show", "lotus", email_id]).output
    link = re.search(r"http://\S+/invitation/\S+", shown).group(0)

    amy = browser.new_context(locale="en-US").new_page()
    amy.goto(link)
    amy.fill("#name", "Amy Wu")
    amy.fill("#password", PASSWORD)
    amy.fill("#confirm", PASSWORD)
    amy.click("button[type=submit]")
    amy.wait_for_url(re.compile(r".*/desk/$"))
    assert "Amy Wu" in amy.inner_text("header")
    # An accountant's menu has no admin sections.
    assert amy.locator(".sidenav a:text-is('Settings')").count() == 0

    amy.set_viewport_size({"width": 390, "height": 800})
    screenshot(amy, "foundation-phone")
