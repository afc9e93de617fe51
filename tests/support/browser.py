"""Helpers of the browser tests: a live server thread and Debian's headless Chromium."""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium():
    """Skip where no Chromium is installed, unless CI demands the browser tests run."""
    if shutil.which("chromium") or os.path.exists(CHROMIUM):
        return
    if os.environ.get("YK_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium is required (apt-get install chromium chromium-driver)")
    pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")


@contextmanager
def live_server(app):
    """Serve ``app`` on a free loopback port in a thread; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()


@contextmanager
def chromium(platform_domain: str):
    """A headless Chromium where the platform domain and its subdomains reach loopback."""
    from playwright.sync_api import sync_playwright

    rules = f"MAP {platform_domain} 127.0.0.1, MAP *.{platform_domain} 127.0.0.1"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*LAUNCH_ARGS, f"--host-resolver-rules={rules}"],
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def signed_in_page(browser, base: str, email: str, password: str, viewport: dict, locale="zh-CN"):
    """A new browser context signed in through the firm's login page, as a person does."""
    page = browser.new_context(viewport=viewport, locale=locale, device_scale_factor=1).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page
