"""Every notification and e-mail reads in words in both languages, and its link opens for its reader.

Three nets for one class of defect (raw keys, unfilled variables, English in Chinese mail,
links to pages that do not exist):
- every registered event is rendered, title and whole e-mail, in zh-CN and English;
- every link the code builds for a notification (``f"/desk/…"``, ``f"/portal/…"``) is a route;
- every notification a demo firm's real flows produce is opened by its recipient: 200.
"""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tenants import db, tenant_context

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ("zh_Hans_CN", "en")
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*_[a-z0-9_]+\b")
UNFILLED = re.compile(r"\{\s*\w+\s*\}|%\(\w+\)[sd]")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")
URLS_AND_ADDRESSES = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\b[\w-]+(?:\.[\w-]+)+\.test\b")


def title_variables(title) -> set[str]:
    return set(re.findall(r"%\((\w+)\)", title._args[0] if hasattr(title, "_args") else str(title)))


def sample_params(event_type) -> dict:
    """Chinese sample values (so English left in a Chinese message stands out), label keys as stored."""
    labels = event_type.labels or {}
    return {
        name: next(iter(labels[name])) if name in labels else "样例"
        for name in title_variables(event_type.title)
    }


def feature_events():
    from yk_saas.notifications.services import EVENTS

    # Other tests register throw-away events named test_* / browser_*; only the product's count.
    return [e for name, e in sorted(EVENTS.items()) if not name.startswith(("test_", "browser_"))]


def defects(text: str, locale: str) -> list[str]:
    plain = URLS_AND_ADDRESSES.sub(" ", re.sub(r"<[^>]+>", " ", text))
    found = [f"code {m}" for m in CODE.findall(plain)] + [
        f"unfilled {m}" for m in UNFILLED.findall(plain)
    ]
    if locale.startswith("zh"):
        found += [f"English {m!r}" for m in ENGLISH_SENTENCE.findall(plain)]
    return found


@pytest.fixture(scope="module")
def words_firm(app):
    """A firm filled with every feature's demo data (its flows raise real notifications)."""
    from yk_saas.demo import DEMO_FIRMS, create_demo_firm

    demo = replace(DEMO_FIRMS[0], slug="words")
    with app.app_context():
        create_demo_firm(demo)
    return demo


def test_every_event_is_registered_when_the_app_starts(app):
    """Events are wired by each feature's init_app, so a worker knows them without any view imported."""
    names = {e.name for e in feature_events()}
    assert {
        "billing.payment_received",
        "billing.refund_step",
        "billing.credit_limit",
        "work_new",
        "complaint_filed",
        "ledger_ready",
        "survey_sent",
        "followup_due",
    } <= names


@pytest.mark.parametrize("locale", LOCALES)
def test_every_event_title_and_email_reads_in_words(app, words_firm, locale):
    from yk_saas.accounts.models import User
    from yk_saas.mail.services import queue_email
    from yk_saas.notifications.services import email_template, render_title

    problems = {}
    with app.test_request_context(), tenant_context(words_firm.slug), force_locale(locale):
        reader = db.session.scalar(select(User).where(User.role == "owner"))
        for event_type in feature_events():
            params = sample_params(event_type)
            title = render_title(event_type.name, params)
            email = queue_email(
                reader.email,
                f"check:{event_type.name}",
                email_template(event_type.name),
                title=title,
                user=reader,
                link="https://words.yk.test/desk/",
                params=params,
            )
            for part, text in (
                ("title", title),
                ("subject", email.subject),
                ("text", email.body_text),
                ("html", email.body_html),
            ):
                if found := defects(text, locale):
                    problems[(event_type.name, part)] = found
        db.session.rollback()
    assert problems == {}


def notification_links_in_code() -> set[tuple[str, str]]:
    """(file, path) of every desk/portal link the code builds, ``{…}`` parts filled with 1."""
    links = set()
    for source in (ROOT / "yk_saas").rglob("*.py"):
        for literal in re.findall(r"""f["'](/(?:desk|portal)/[^"']*)["']""", source.read_text()):
            links.add((source.relative_to(ROOT).as_posix(), re.sub(r"\{[^}]*\}", "1", literal)))
    return links


def test_every_link_the_code_builds_for_a_reader_is_a_page(app):
    adapter = app.url_map.bind("words.yk.test")
    missing = []
    for source, path in sorted(notification_links_in_code()):
        try:
            adapter.match(path.split("?")[0].split("#")[0], method="GET")
        except (NotFound, MethodNotAllowed):
            missing.append((source, path))
    assert len(notification_links_in_code()) >= 10
    assert missing == []


def test_every_notification_of_real_flows_opens_for_its_reader(app, words_firm, host_client):
    from yk_saas.accounts.models import User
    from yk_saas.demo import DEMO_PASSWORD
    from yk_saas.notifications.models import Notification

    with app.app_context(), tenant_context(words_firm.slug):
        rows = db.session.execute(
            select(Notification.event, Notification.link, User.email)
            .join(User, User.id == Notification.user_id)
            .where(Notification.link.is_not(None))
        ).all()
    # One per (event, reader, page kind) is enough to open every kind of link as every reader.
    seen, checked = set(), []
    for event, link, email in rows:
        key = (event, email, re.sub(r"\d+", "N", link))
        if key not in seen:
            seen.add(key)
            checked.append((event, link, email))
    assert len({event for event, _, _ in checked}) >= 6, "the demo raises many kinds of events"
    failures = []
    for event, link, email in checked:
        reader = host_client(f"{words_firm.slug}.yk.test")
        assert reader.login(email, DEMO_PASSWORD).status_code == 302
        status = reader.get(link).status_code
        if status != 200:
            failures.append((event, email, link, status))
    assert failures == []
