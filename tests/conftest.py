"""Test set-up: one real PostgreSQL and Redis for the session, real firm schemas.

With ``DATABASE_URL``/``REDIS_URL`` set (CI), those servers are used: a fresh
database ``yk_test`` is created on the PostgreSQL server and Redis database 9
is flushed. Without them, the embedded servers start under a temporary folder.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from redis import Redis

from tenants import tenant_context
from tenants.migrate import upgrade_public
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

PLATFORM = "yk.test"
PASSWORD = "Correct-horse-9"
TEST_DB = os.environ.get("YK_TEST_DB", "yk_test")
TEST_REDIS_DB = os.environ.get("YK_TEST_REDIS_DB", "9")


@pytest.fixture(scope="session")
def service_urls():
    """(database URL, Redis URL) of real servers for this test session."""
    handles = []
    tmp = Path(tempfile.mkdtemp(prefix="yk-test-"))
    if os.environ.get("DATABASE_URL"):
        ensure_database(os.environ["DATABASE_URL"], TEST_DB, recreate=True)
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


class HostClient:
    """A test client that talks to one host and sends the CSRF token like a browser."""

    def __init__(self, app, host: str):
        self.app, self.host = app, host
        self.client = app.test_client()
        self._csrf = None

    @property
    def base_url(self):
        return f"http://{self.host}"

    def get(self, path, **kw):
        return self.client.get(path, base_url=self.base_url, **kw)

    def csrf_token(self) -> str:
        if self._csrf is None:
            html = self.get("/").get_data(as_text=True)
            self._csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        return self._csrf

    def post(self, path, data=None, csrf=True, headers=None, **kw):
        headers = dict(headers or {})
        if csrf:
            headers["X-CSRFToken"] = self.csrf_token()
        return self.client.post(
            path, base_url=self.base_url, data=data or {}, headers=headers, **kw
        )

    def login(self, email, password=PASSWORD):
        self._csrf = None
        response = self.post("/login", {"email": email, "password": password})
        self._csrf = None
        return response

    def cookie(self, name="yk_session"):
        cookie = self.client.get_cookie(name, domain=self.host)
        return cookie.value if cookie else None

    def set_cookie(self, value, name="yk_session"):
        self.client.set_cookie(name, value, domain=self.host)
        self._csrf = None


@pytest.fixture
def host_client(app):
    """``host_client("alpha.yk.test")`` → a fresh HostClient for that host."""
    return lambda host: HostClient(app, host)


def provision_firm(app, slug, marker):
    """A firm with the same people and companies (same ids) as every other test firm.

    ``marker`` is written into every name so a page leaking this firm's data is easy to spot.
    """
    from tenants import db
    from yk_saas.accounts.services import create_user
    from yk_saas.clients.models import ClientCompany
    from yk_saas.platform.services import FirmSignup, signup_firm

    with app.app_context():
        signup_firm(
            FirmSignup(
                firm_name=f"{slug.title()} Firm",
                slug=slug,
                owner_name=f"{marker} Owner",
                email=f"owner@{slug}.example.com",
                password=PASSWORD,
            )
        )
        with tenant_context(slug):
            create_user(f"admin@{slug}.example.com", f"{marker} Admin", "admin", PASSWORD)
            create_user(f"acc@{slug}.example.com", f"{marker} Accountant", "accountant", PASSWORD)
            create_user(
                f"acc2@{slug}.example.com", f"{marker} Accountant Two", "accountant", PASSWORD
            )
            x = ClientCompany(name=f"{marker} Company X")
            y = ClientCompany(name=f"{marker} Company Y")
            db.session.add_all([x, y])
            db.session.flush()
            create_user(
                f"x@{slug}.example.com",
                f"{marker} Client X",
                "client",
                PASSWORD,
                client_company_id=x.id,
            )
            create_user(
                f"y@{slug}.example.com",
                f"{marker} Client Y",
                "client",
                PASSWORD,
                client_company_id=y.id,
            )
            db.session.commit()
    return {
        "slug": slug,
        "host": f"{slug}.{PLATFORM}",
        "marker": marker,
        "owner": f"owner@{slug}.example.com",
        "admin": f"admin@{slug}.example.com",
        "accountant": f"acc@{slug}.example.com",
        "accountant2": f"acc2@{slug}.example.com",
        "client_x": f"x@{slug}.example.com",
        "client_y": f"y@{slug}.example.com",
    }


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
def signed_in_en(signed_in):
    """Like ``signed_in``, with the interface switched to English for that person (as a user would)."""

    def sign_in_in_english(firm, who):
        client = signed_in(firm, who)
        client.post("/lang", {"locale": "en", "next": "/"})
        return client

    return sign_in_in_english
