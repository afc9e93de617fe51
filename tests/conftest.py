"""Test set-up: one real PostgreSQL and Redis for the session, real firm schemas.

With ``DATABASE_URL``/``REDIS_URL`` set (CI), those servers are used: a fresh
database ``yk_test`` is created on the PostgreSQL server and Redis database 9
is flushed (``YK_TEST_ADMIN_URL``, if set, is where the database is created:
the server itself when ``DATABASE_URL`` goes through a pooler). Without them, the embedded servers start under a temporary folder.
"""

import os
import tempfile
from pathlib import Path

import pytest
from redis import Redis

from tenants import db, tenant_context
from tenants.migrate import upgrade_public
from tests.support import PLATFORM
from tests.support import billing as billing_factories
from tests.support import work as work_factories
from tests.support.browser import chromium, live_server, require_chromium
from tests.support.firms import provision_firm, unique_slug
from tests.support.http import HostClient
from yk_saas import create_app
from yk_saas.embedded import (
    database_url_on,
    ensure_database,
    redis_url_on,
    start_postgres,
    start_redis,
    stop_embedded,
)
from yk_saas.i18n_compile import compile_catalogs

TEST_DB = os.environ.get("YK_TEST_DB", "yk_test")
TEST_REDIS_DB = os.environ.get("YK_TEST_REDIS_DB", "9")


@pytest.fixture(scope="session")
def service_urls():
    """(database URL, Redis URL) of real servers for this test session."""
    handles = []
    tmp = Path(tempfile.mkdtemp(prefix="yk-test-"))
    if os.environ.get("DATABASE_URL"):
        # Behind a pooler (PgBouncer) CREATE/DROP DATABASE must go to the server itself.
        admin_url = os.environ.get("YK_TEST_ADMIN_URL") or os.environ["DATABASE_URL"]
        ensure_database(admin_url, TEST_DB, recreate=True)
        db_url = database_url_on(os.environ["DATABASE_URL"], TEST_DB)
    else:
        pg, db_url = start_postgres(tmp / "pg", TEST_DB)
        handles.append(pg)
    if os.environ.get("REDIS_URL"):
        redis_url = redis_url_on(os.environ["REDIS_URL"], TEST_REDIS_DB)
    else:
        server, redis_url = start_redis(tmp / "redis" / "redis.db")
        handles.append(server)
    Redis.from_url(redis_url).flushdb()
    yield db_url, redis_url
    stop_embedded(handles)


@pytest.fixture(scope="session")
def app_config(service_urls, tmp_path_factory):
    db_url, redis_url = service_urls
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": db_url,
        "REDIS_URL": redis_url,
        "PLATFORM_DOMAIN": PLATFORM,
        "SECRET_KEY": "test-secret-key-with-enough-length-0123456789",
        "STORAGE_DIR": str(tmp_path_factory.mktemp("files")),
        "SMTP_HOST": "",
        # Every test signs in from 127.0.0.1; tests/test_rate_limits.py turns them on.
        "RATE_LIMITS": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 30, "pool_pre_ping": True},
    }


@pytest.fixture(scope="session")
def app(app_config):
    compile_catalogs()
    app = create_app(app_config)
    with app.app_context():
        upgrade_public()
    return app


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def redis(app):
    return Redis.from_url(app.config["REDIS_URL"])


@pytest.fixture
def host_client(app):
    """``host_client("alpha.yk.test")`` → a fresh HostClient for that host."""
    return lambda host: HostClient(app, host)


@pytest.fixture(scope="session")
def firm_a(app):
    return provision_firm(app, "alpha", "ALPHASECRET")


@pytest.fixture(scope="session")
def firm_b(app):
    return provision_firm(app, "bravo", "BRAVOSECRET")


@pytest.fixture
def signed_in(host_client):
    """``signed_in(firm, "admin")`` → a HostClient signed in as that person of the firm."""

    def sign_in(firm, who):
        client = host_client(firm["host"])
        response = client.login(firm[who])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign_in


@pytest.fixture
def signed_in_en(signed_in, app):
    """Like ``signed_in``, with the interface switched to English for that person (as a user would).

    The person's language is put back at teardown: the session firms are shared by every test.
    """
    switched = []

    def sign_in_in_english(firm, who):
        client = signed_in(firm, who)
        switched.append((firm["slug"], firm[who], _locale_of(app, firm["slug"], firm[who])))
        client.post("/lang", {"locale": "en", "next": "/"})
        return client

    yield sign_in_in_english
    for slug, email, locale in reversed(switched):
        _set_locale(app, slug, email, locale)


def _locale_of(app, slug, email):
    from yk_saas.accounts.services import find_user_by_email

    with app.app_context(), tenant_context(slug):
        return find_user_by_email(email).locale


def _set_locale(app, slug, email, locale):
    from yk_saas.accounts.services import find_user_by_email

    with app.app_context(), tenant_context(slug):
        find_user_by_email(email).locale = locale
        db.session.commit()


@pytest.fixture
def fresh_firm(app):
    """A newly provisioned firm of this test alone (unique slug), for tests that change its settings.

    Same people and companies as ``firm_a``; the marker is the slug in capitals.
    """
    slug = unique_slug()
    return provision_firm(app, slug, slug.upper())


@pytest.fixture
def make_company(app):
    """``make_company(firm, accountant_id=None)`` → the id of a new client company of that firm."""

    def make(firm, accountant_id=None):
        with app.app_context(), tenant_context(firm["slug"]):
            return billing_factories.new_company(accountant_id)

    return make


@pytest.fixture
def make_invoice(app):
    """``make_invoice(firm, company_id, amount=50000, ...)`` → the id of a new issued invoice."""

    def make(firm, company_id, **fields):
        with app.app_context(), tenant_context(firm["slug"]):
            return billing_factories.new_invoice(company_id, **fields)

    return make


@pytest.fixture
def make_work_item(app):
    """``make_work_item(firm, who="client_x", title=..., now=...)`` → the id of a filed request."""

    def make(firm, who="client_x", **fields):
        with work_factories.firm(app, firm["slug"]):
            return work_factories.new_request(firm[who], **fields)

    return make


@pytest.fixture(scope="session")
def server(app):
    """The port of a live server thread serving the app (browser tests)."""
    require_chromium()
    with live_server(app) as port:
        yield port


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (``/usr/bin/chromium``) where the platform's hosts reach loopback."""
    require_chromium()
    with chromium(PLATFORM) as browser:
        yield browser


@pytest.fixture(scope="session")
def zh_demo_firm(app):
    """The Chinese demo firm, filled by every feature's demo data, under its own subdomain
    ("walk"), with ids of real rows to open. Tests only read it."""
    from tests.support.demo import provision_zh_demo_firm

    return provision_zh_demo_firm(app, "walk")
