"""A walk through every desk and portal page of the Chinese demo firm in Chromium, in both
languages, at 1366 and at 390 px: no page is wider than the screen, none shows a raw message
key, and no Chinese page carries an English sentence.

The pages are read from the URL map (every GET page of the desk, the portal and the account),
so a page added later is walked too; each is opened as the most senior role its view admits.
"""

import re

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support.browser import chromium, signed_in_page
from tests.support.demo import DEMO_CLIENT
from yk_saas.access import ACCESS_ATTR

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)

#: Not pages a person reads: files, exports, HTMX fragments, live feeds, redirects.
NOT_A_PAGE = re.compile(
    r"(\.csv|\.xlsx|/pdf|/receipt|/download|/files/|/photo/|/image|/media/|/badge|/timeline"
    r"|/cards/|/progress|/handoff|/check|/metrics|/health|/live|/events)"
)

#: What a page's Chinese text may hold in Latin letters: product and standard names.
LATIN_ALLOWED = re.compile(
    r"\b(CSV|PDF|XLSX|Excel|WeChat|Stripe|SMS|TOTP|VAT|ID|URL|HTTPS?|CNY|HKD|USD|Alipay|QR"
    r"|Google Authenticator|Microsoft Authenticator|English|www|com|example|yk|test)\b",
    re.IGNORECASE,
)
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+_[a-z_]+\b|\b[a-z]+_[a-z]+\.[a-z]+\b")

PAGE_TEXT = """() => {
  const doc = document.documentElement;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, code, pre, .lang-switch, [translate=no]')) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const name of ['placeholder', 'title', 'aria-label']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  return {
    texts: texts, overflow: doc.scrollWidth - window.innerWidth, lang: doc.lang,
    fragment: !document.querySelector('main'),
  };
}"""


def ids_of(slug: str, demo: dict) -> dict[str, int]:
    """A real row of the demo firm for each URL parameter name."""
    from yk_saas.accounts.models import User
    from yk_saas.billing.models import Payment, RefundRequest, ReminderTemplate
    from yk_saas.catalog.models import ServiceCategory, ServiceItem
    from yk_saas.clients.models import ClientNote
    from yk_saas.feedback.models import Complaint, FollowUp, SurveyResponse
    from yk_saas.ledgers.models import LedgerPeriod
    from yk_saas.mail.models import OutboxEmail
    from yk_saas.site.models import SitePage, SiteSection

    with tenant_context(slug):
        first = lambda column, *where: db.session.scalar(
            select(column).where(*where).order_by(column).limit(1)
        )
        company = demo["company"]
        return {
            "company_id": company,
            "item_id": demo["work"],
            "invoice_id": demo["invoice"],
            "payment_id": first(Payment.id),
            "refund_id": first(RefundRequest.id, RefundRequest.company_id == company),
            "template_id": first(ReminderTemplate.id),
            "period_id": first(LedgerPeriod.id, LedgerPeriod.company_id == company),
            "complaint_id": first(Complaint.id, Complaint.company_id == company),
            "followup_id": first(FollowUp.id),
            "survey_id": first(SurveyResponse.id, SurveyResponse.company_id == company),
            "category_id": first(ServiceCategory.id),
            "service_id": first(ServiceItem.id),
            "user_id": first(User.id, User.role == "accountant"),
            "page_id": first(SitePage.id),
            "section_id": first(SiteSection.id),
            "email_id": first(OutboxEmail.id),
            "note_id": first(ClientNote.id, ClientNote.company_id == company),
        }


def pages_to_walk(app, ids: dict) -> tuple[dict[str, list[str]], list[str]]:
    """Paths per role (owner, accountant, client), and the pages that could not be filled in."""
    by_role: dict[str, list[str]] = {"owner": [], "accountant": [], "client": []}
    unfilled = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith(("/desk", "/portal", "/account")):
            continue
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, "")
        if not access.startswith("roles:") or NOT_A_PAGE.search(rule.rule):
            continue
        allowed = access.removeprefix("roles:").split(",")
        role = next((r for r in ("owner", "accountant", "client") if r in allowed), None)
        if role is None:
            continue
        values = {name: ids.get(name) for name in rule.arguments}
        if any(v is None for v in values.values()):
            unfilled.append(rule.rule)
            continue
        by_role[role].append(rule.build(values)[1])
    return by_role, unfilled


def problems_of(seen: dict, path: str, locale: str, width: int) -> list[str]:
    where = f"{path} ({locale}, {width} px)"
    if seen["fragment"]:
        return []  # an HTMX fragment, read inside its page (which is walked too)
    problems = []
    if seen["overflow"] > 1:
        problems.append(f"{where}: {seen['overflow']} px wider than the screen")
    for text in seen["texts"]:
        if RAW_KEY.search(text) and "@" not in text:
            problems.append(f"{where}: raw key {RAW_KEY.search(text).group(0)!r} in {text[:80]!r}")
        if locale == "zh":
            latin = LATIN_ALLOWED.sub("", text)
            if ENGLISH_SENTENCE.search(latin) and "@" not in text and "://" not in text:
                problems.append(f"{where}: English on a Chinese page: {text[:80]!r}")
    expected_lang = "zh-CN" if locale == "zh" else "en"
    if seen["lang"] != expected_lang:
        problems.append(f"{where}: <html lang={seen['lang']!r}>")
    return problems


def switch_language(page, base):
    """The header's switch, as a person uses it: it offers the other language."""
    page.goto(f"{base}/account/")
    page.click(".lang-switch button")
    page.wait_for_load_state()


def test_every_page_in_both_languages_at_both_widths(app, zh_demo_firm, server):
    from yk_saas.demo import DEMO_PASSWORD

    base = f"http://{zh_demo_firm['host']}:{server}"
    with app.app_context():
        ids = ids_of(zh_demo_firm["slug"], zh_demo_firm)
    by_role, unfilled = pages_to_walk(app, ids)
    people = {
        "owner": zh_demo_firm["demo"].owner[0],
        "accountant": zh_demo_firm["demo"].accountants[0][0],
        "client": DEMO_CLIENT,
    }
    problems, walked = [], 0
    with chromium("yk.test") as browser:
        for role, paths in by_role.items():
            page = signed_in_page(
                browser, base, people[role], DEMO_PASSWORD, {"width": WIDTHS[0], "height": 900}
            )
            for locale in ("zh", "en"):
                if locale == "en":
                    switch_language(page, base)
                for path in paths:
                    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                    response = page.goto(base + path)
                    assert response.status == 200, f"{path} as {role}: {response.status}"
                    walked += 1
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        problems += problems_of(page.evaluate(PAGE_TEXT), path, locale, width)
            # Back to Chinese for the next run of this person.
            switch_language(page, base)
    print(f"walked {walked} page views; not filled in: {unfilled}")
    assert walked >= 60, walked
    assert not problems, "\n".join(problems)
