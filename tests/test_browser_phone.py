"""At 390 px in Chromium: the most used desk and portal pages fit the phone's width, and the menu
is folded behind a button so the content comes first. Screenshots land in the test's tmp dir."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support.browser import chromium, live_server, require_chromium

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
CLIENT = "boss@qinghe.example.com"


@pytest.fixture(scope="module")
def server(app):
    require_chromium()
    with live_server(app) as port:
        yield port


@pytest.fixture(scope="module")
def phone_firm(app):
    """The Chinese demo firm under another subdomain, with ids of real rows to open."""
    from yk_saas.accounts.models import User
    from yk_saas.billing.models import Invoice
    from yk_saas.demo import DEMO_FIRMS, create_demo_firm
    from yk_saas.work.models import WorkItem

    demo = replace(DEMO_FIRMS[0], slug="phone")
    with app.app_context():
        create_demo_firm(demo)
        with tenant_context("phone"):
            company = db.session.scalar(select(User.client_company_id).where(User.email == CLIENT))
            work = db.session.scalar(
                select(WorkItem.id).where(WorkItem.client_company_id == company).limit(1)
            )
            invoice = db.session.scalar(
                select(Invoice.id).where(Invoice.company_id == company).limit(1)
            )
    assert company and work and invoice, "the demo firm has a client with work and invoices"
    return {"demo": demo, "company": company, "work": work, "invoice": invoice}


def phone_page(browser, base, email):
    from yk_saas.demo import DEMO_PASSWORD

    page = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1).new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


FITS = """() => {
  const doc = document.documentElement;
  const main = document.querySelector('main');
  const menu = document.querySelector('.sidenav');
  // A cell whose text wraps onto several lines none wider than two characters
  // (a column squeezed to one character per line).
  const squeezed = (cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    const lines = new Set(rects.map(r => Math.round(r.top))).size;
    const widest = Math.max(0, ...rects.map(r => r.width));
    return lines > 1 && widest < 2 * parseFloat(getComputedStyle(cell).fontSize);
  };
  const narrow = [...document.querySelectorAll('main th, main td')]
    .filter(c => c.offsetParent !== null && squeezed(c))
    .map(c => c.innerText.trim().slice(0, 20));
  const tiny = [...document.querySelectorAll('main svg text')]
    .filter(t => t.getBoundingClientRect().height > 0 && t.getBoundingClientRect().height < 11)
    .map(t => t.textContent);
  return {
    tiny: tiny,
    overflow: doc.scrollWidth - window.innerWidth,
    mainTop: main.getBoundingClientRect().top + window.scrollY,
    menuHeight: menu ? menu.getBoundingClientRect().height : 0,
    narrow: narrow,
  };
}"""


def check_fits(page, name, out) -> list[str]:
    """What is wrong with this page at phone width (empty when nothing is)."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"phone-{name}.png"), full_page=True)
    seen = page.evaluate(FITS)
    problems = []
    if seen["overflow"] > 1:
        problems.append(f"{name}: the page is {seen['overflow']} px wider than the phone")
    # The menu is a button; the page's own content starts within the first fifth of the screen.
    if seen["menuHeight"] >= PHONE["height"] * 0.2 or seen["mainTop"] >= PHONE["height"] * 0.2:
        problems.append(f"{name}: menu {seen['menuHeight']} px, content at {seen['mainTop']} px")
    if seen["tiny"]:
        problems.append(f"{name}: chart labels too small to read: {seen['tiny'][:5]}")
    if seen["narrow"]:
        problems.append(f"{name}: cells squeezed to a character's width: {seen['narrow']}")
    return problems


def test_most_used_pages_fit_a_phone(phone_firm, server, tmp_path):
    base = f"http://phone.yk.test:{server}"
    ids = phone_firm
    desk = {
        "desk-overview": "/desk/",
        "work-item": f"/desk/work/{ids['work']}",
        "clients": "/desk/clients/",
        "client-detail": f"/desk/clients/{ids['company']}",
        "invoices": "/desk/billing/",
        "client-books": f"/desk/ledgers/company/{ids['company']}",
        "client-risk": "/desk/admin/dashboards/clients",
        "staff-performance": "/desk/staff/performance",
    }
    accountant = {"claim-pool": "/desk/work/pool", "my-work": "/desk/work/mine"}
    portal = {
        "portal-home": "/portal/",
        "portal-invoices": "/portal/billing/",
        "portal-work-item": f"/portal/work/{ids['work']}",
    }
    problems = []
    with chromium("yk.test") as browser:
        owner = phone_page(browser, base, ids["demo"].owner[0])
        for name, path in desk.items():
            assert owner.goto(base + path).status == 200, path
            problems += check_fits(owner, name, tmp_path)
        colleague = phone_page(browser, base, ids["demo"].accountants[0][0])
        for name, path in accountant.items():
            assert colleague.goto(base + path).status == 200, path
            problems += check_fits(colleague, name, tmp_path)
        client = phone_page(browser, base, CLIENT)
        for name, path in portal.items():
            assert client.goto(base + path).status == 200, path
            problems += check_fits(client, name, tmp_path)

        print("\n".join(problems))
        # The folded menu opens from its button and every link is then reachable.
        client.click(".sidenav summary")
        assert client.locator(".sidenav a[href='/portal/billing/']").is_visible()
        client.screenshot(path=str(tmp_path / "phone-menu-open.png"))
    print(f"screenshots in {tmp_path}")
    assert not problems, "\n".join(problems)


def test_the_demo_firms_site_looks_finished_on_a_phone(phone_firm, server, tmp_path):
    """A visitor's first impression: slides with images, service categories that count their
    services, announcements and the firm's contact details, all within a phone's width."""
    with chromium("yk.test") as browser:
        visitor = browser.new_context(
            viewport=PHONE, locale="zh-CN", device_scale_factor=1
        ).new_page()
        assert visitor.goto(f"http://phone.yk.test:{server}/").status == 200
        problems = check_fits(visitor, "site-home", tmp_path)
        slides = visitor.locator(".carousel .slide img")
        assert slides.count() == 3
        assert all(
            visitor.evaluate(f"document.querySelectorAll('.carousel img')[{i}].naturalWidth")
            == 1200
            for i in range(3)
        )
        assert visitor.locator(".carousel.is-live .carousel-dot").count() == 3
        counts = visitor.locator(".site-categories li .muted").all_inner_texts()
        assert counts and all(int(c) > 0 for c in counts)
        assert visitor.locator(".site-announcements .announcements li").count() == 2
        assert "0571-8888 6666" in visitor.inner_text(".site-contact")
    assert not problems, problems
