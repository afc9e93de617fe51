"""Every registry change reaches every process on its next request (no stale host cache).

A second process (gunicorn, one worker) serves the firm's host while this test
process changes the registry, as the signup page, the domain pages, the
operator console and the CLI do in their own processes. The other process has
just looked the host up (and cached the answer), yet its very next request
follows the change when a host becomes a firm (a new firm, a verified domain),
and within the version check interval (0.5 s) when a known host changes (a
removed domain, a suspension, a resumption, a drop); before, each took up to
the cache's 10 s.
"""

import time
import uuid
from types import SimpleNamespace

import pytest
import requests
from redis import Redis

from tenants import db, tenant_context
from tenants.provision import drop_tenant
from tenants.resolve import CHECK_SECONDS, HostResolver
from tests.support import PASSWORD, PLATFORM, load_morning
from yk_saas.domains import services as domains
from yk_saas.operators.services import set_status
from yk_saas.platform.services import FirmSignup, signup_firm


@pytest.fixture(scope="module")
def other_process(app, tmp_path_factory):
    env = load_morning.server_environment(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["REDIS_URL"],
        app.config["PLATFORM_DOMAIN"],
        str(tmp_path_factory.mktemp("files")),
    )
    with load_morning.Stack(
        env, web_workers=1, job_workers=0, log_dir=tmp_path_factory.mktemp("logs")
    ) as stack:
        yield stack


def status_there(stack, host: str, path: str = "/login") -> int:
    """What the other process answers for ``host`` now."""
    return requests.get(
        f"http://127.0.0.1:{stack.port}{path}",
        headers={"Host": host},
        allow_redirects=False,
        timeout=30,
    ).status_code


def status_soon(stack, host: str, path: str = "/login") -> int:
    """What the other process answers once its version check interval has passed."""
    time.sleep(CHECK_SECONDS + 0.05)
    return status_there(stack, host, path)


def twice(stack, host: str) -> int:
    """Two requests in a row (the second one is served from the other process's cache)."""
    first = status_there(stack, host)
    assert status_there(stack, host) == first
    return first


def test_each_registry_change_is_served_by_the_other_process_at_once(app, other_process):
    slug = "late" + uuid.uuid4().hex[:6]
    host, custom = f"{slug}.{PLATFORM}", f"www.{slug}-books.example"
    assert twice(other_process, host) == 404  # visited just before signup: "unknown" is cached

    with app.test_request_context(base_url=f"http://{PLATFORM}"):
        signup_firm(
            FirmSignup(
                firm_name="Late Firm",
                slug=slug,
                owner_name="Late Owner",
                email=f"owner@{slug}.example.com",
                password=PASSWORD,
            )
        )
    assert status_there(other_process, host) == 200

    try:
        assert twice(other_process, custom) == 404
        with app.test_request_context(base_url=f"http://{host}"), tenant_context(slug):
            domain = domains.add_domain(custom)
            db.session.commit()
            assert status_there(other_process, custom) == 404  # claimed, not verified
            assert domains.check_domain(
                domain, lookup=lambda _name: [domains.txt_record(domain)[1]]
            )
            db.session.commit()
            domains.after_change()
            assert status_there(other_process, custom) == 200
            domains.remove_domain(domains.firm_domain(domain.id))
            db.session.commit()
            domains.after_change()
        assert status_soon(other_process, custom) == 404

        operator = SimpleNamespace(email="ops@platform.example.com")
        with app.app_context():
            set_status(slug, "suspended", operator)
        assert status_soon(other_process, host) == 503
        with app.app_context():
            set_status(slug, "active", operator)
        assert status_soon(other_process, host) == 200
    finally:
        with app.app_context():
            drop_tenant(slug)
    assert status_soon(other_process, host) == 404


def test_without_redis_the_cache_falls_back_to_its_lifetime(app_ctx, firm_a):
    """A Redis that does not answer costs no page: lookups still work, cached for ``ttl``."""
    resolver = HostResolver(ttl=60)
    dead = Redis(host="127.0.0.1", port=load_morning.free_port(), socket_connect_timeout=0.2)
    resolver.version_store = lambda: dead
    assert resolver.resolve(firm_a["host"]).slug == "alpha"
    assert resolver.resolve("nobody.yk.test") is None
    resolver.invalidate()  # logs, does not raise
    assert resolver.resolve(firm_a["host"]).slug == "alpha"
