"""Outgoing requests to addresses a firm configured: https and public addresses only.

A real HTTP listener on this machine's loopback (IPv4 and IPv6) stands for the
platform's internal network. Whatever spelling of its address a firm saves, at
save the form refuses it and at send (a URL written straight into the database,
as one saved before the rule) the listener receives no connection at all, the
refusal is recorded on the gateway and the worker goes on with its next job.
"""

import ipaddress
import socket
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from flask_babel import lazy_gettext
from rq import Queue
from sqlalchemy import delete, func, select

from tenants import db, tenant_context
from tests.support.worker import run_worker_burst
from yk_saas.config import refuse_unsafe_production
from yk_saas.notifications import services as notifications
from yk_saas.notifications.jobs import send_notification_webhook
from yk_saas.notifications.models import NotificationWebhook
from yk_saas.notifications.webhook import WebhookError
from yk_saas.outbound import (
    OutboundError,
    OutboundRefused,
    check_public_url,
    is_public_address,
    post_json,
)

notifications.register_events(
    notifications.EventType("test_channel_ping", lazy_gettext("Ping %(what)s"))
)

REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.1.2.3",  # loopback
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",  # RFC 1918
    "169.254.169.254",
    "169.254.0.1",  # link-local, cloud metadata
    "100.64.0.1",
    "100.127.255.254",  # CGNAT
    "0.0.0.0",
    "0.1.2.3",  # unspecified, "this network"
    "224.0.0.1",
    "239.255.255.250",  # multicast
    "240.0.0.1",
    "255.255.255.255",  # reserved, broadcast
    "192.0.2.1",
    "198.18.0.1",
    "198.51.100.7",
    "203.0.113.9",  # documentation, benchmarking
    "::1",
    "::",  # IPv6 loopback, unspecified
    "fc00::1",
    "fd12:3456::1",  # unique local
    "fe80::1",
    "fe80::1%1",
    "fec0::1",  # link-local, site-local
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::127.0.0.1",  # IPv4-compatible
    "2002:7f00:1::1",
    "2002:a9fe:a9fe::1",  # 6to4 of loopback, metadata
    "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe",  # NAT64 of loopback, metadata
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo of 127.0.0.1
]
PUBLIC_ADDRESSES = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "100.128.0.1",
    "172.32.0.1",
    "11.0.0.1",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_every_non_public_address_class_is_refused(address):
    assert not is_public_address(address)
    assert not is_public_address(ipaddress.ip_address(address.split("%")[0]))


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert is_public_address(address)


REFUSED_URLS = [
    ("http://8.8.8.8/hook", "https"),
    ("https://127.0.0.1/hook", "private"),
    ("https://127.1/hook", "private"),
    ("https://0x7f.1/hook", "private"),  # inet_aton spellings resolve to loopback
    ("https://2130706433/hook", "private"),
    ("https://[::1]/hook", "private"),
    ("https://[::ffff:127.0.0.1]/hook", "private"),
    ("https://169.254.169.254/latest/meta-data/", "private"),
    ("https://[fd00:ec2::254]/", "private"),
    ("https://100.100.100.200/", "private"),  # a cloud metadata address in CGNAT
    ("https://localhost/hook", "private"),
    ("https://LOCALHOST./hook", "private"),
    ("https://gateway.localhost/hook", "private"),
    ("https://intranet/hook", "private"),  # single-label: resolved by search domains
    ("https://nothing-here.invalid/hook", "unresolved"),
    ("https://user:pw@8.8.8.8/hook", "invalid"),
    ("https://8.8.8.8:99999/hook", "invalid"),
    ("https://exa mple.com/hook", "invalid"),
    ("javascript:alert(1)", "invalid"),
    ("ftp://8.8.8.8/hook", "https"),
    ("https:///hook", "invalid"),
    ("", "invalid"),
]


@pytest.mark.parametrize(("url", "code"), REFUSED_URLS)
def test_url_rule_refuses_each_class(app_ctx, url, code):
    with pytest.raises(OutboundRefused) as refused:
        check_public_url(url)
    assert refused.value.code == code


def test_url_rule_accepts_public_https_and_keeps_the_checked_address(app_ctx):
    target = check_public_url("https://8.8.8.8:8443/hook?x=1")
    assert (target.host, target.port, target.path, target.addresses) == (
        "8.8.8.8",
        8443,
        "/hook?x=1",
        ("8.8.8.8",),
    )
    assert check_public_url("https://[2606:4700:4700::1111]/").addresses == (
        "2606:4700:4700::1111",
    )


class Listener(ThreadingHTTPServer):
    """A loopback HTTP server on IPv4 and IPv6 that records every connection, even a TLS hello."""

    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def verify_request(self, request, client_address):
        self.connections.append(client_address)
        return True


class Answer(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """``listener()`` → a running loopback listener; all are stopped after the test."""
    servers = []

    def start(status=200, location=None):
        server = Listener(("::", 0), Answer)
        server.connections, server.bodies, server.status, server.location = [], [], status, location
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def loopback_spellings(port):
    """Ways a firm could write this machine's loopback listener."""
    return [
        f"http://127.0.0.1:{port}/hook",
        f"https://127.0.0.1:{port}/hook",
        f"http://localhost:{port}/",
        f"https://localhost:{port}/",
        f"https://127.1:{port}/",
        f"https://2130706433:{port}/",
        f"https://0x7f.0.0.1:{port}/",
        f"https://[::1]:{port}/",
        f"https://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        f"https://0.0.0.0:{port}/",
        f"https://a.localhost:{port}/",
    ]


def test_the_listener_is_reachable_by_every_spelling(listener):
    """The spellings really lead to the listener: refusing them is what keeps it untouched.

    (``*.localhost`` resolves to loopback where systemd-resolved or a browser answers; not here.)
    """
    server = listener()
    urls = [u for u in loopback_spellings(server.server_port) if "a.localhost" not in u]
    for url in urls:
        parts = urlsplit(url)
        socket.create_connection((parts.hostname, parts.port), timeout=5).close()
    urllib.request.urlopen(urllib.request.Request(urls[0], data=b"{}"), timeout=5).close()
    wait_until(lambda: len(server.connections) == len(urls) + 1)
    assert len(server.bodies) == 1


def wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def set_gateway(app, slug, url):
    """The firm's gateway URL written straight into the database (as if saved before the rule)."""
    with app.app_context(), tenant_context(slug):
        db.session.execute(delete(NotificationWebhook))
        db.session.add(NotificationWebhook(url=url, secret="s3cret-for-tests", enabled=True))
        db.session.commit()


def notify_one(app, slug):
    with app.test_request_context(base_url=f"http://{slug}.yk.test"), tenant_context(slug):
        (note_id,) = notifications.notify("test_channel_ping", [3], link="/desk/", what="x")
        db.session.commit()
        return note_id


@pytest.fixture
def clean_gateways(app, firm_a, firm_b):
    yield
    for slug in ("alpha", "bravo"):
        with app.app_context(), tenant_context(slug):
            db.session.execute(delete(NotificationWebhook))
            db.session.commit()


def last_error(app, slug):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(select(NotificationWebhook.last_error))


def test_a_saved_loopback_url_is_refused_at_send_and_the_listener_is_untouched(
    app, firm_a, listener, clean_gateways
):
    server = listener()
    note_id = notify_one(app, "alpha")
    for url in loopback_spellings(server.server_port):
        set_gateway(app, "alpha", url)
        with app.app_context():
            assert send_notification_webhook("alpha", note_id, "sms") == "refused", url
        assert last_error(app, "alpha").startswith("refused: "), url
    assert server.connections == []


def test_only_the_listed_listener_is_exempt(app, firm_a, listener, clean_gateways, monkeypatch):
    allowed, other = listener(), listener()
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", f"127.0.0.1:{allowed.server_port}")
    note_id = notify_one(app, "alpha")
    set_gateway(app, "alpha", f"http://127.0.0.1:{allowed.server_port}/hook")
    with app.app_context():
        assert send_notification_webhook("alpha", note_id, "sms") == "sent"
    for url in (
        f"http://127.0.0.1:{other.server_port}/",
        f"http://localhost:{allowed.server_port}/",
        f"http://[::1]:{allowed.server_port}/",
    ):
        set_gateway(app, "alpha", url)
        with app.app_context():
            assert send_notification_webhook("alpha", note_id, "sms") == "refused", url
    assert len(allowed.bodies) == 1 and other.connections == []


def test_production_refuses_to_start_with_the_exemption():
    config = {"ENV_NAME": "production", "SECRET_KEY": "x" * 40, "PLATFORM_DOMAIN": "yk.example.com"}
    refuse_unsafe_production(config)
    with pytest.raises(RuntimeError, match="OUTBOUND_ALLOW_HOSTS"):
        refuse_unsafe_production({**config, "OUTBOUND_ALLOW_HOSTS": "127.0.0.1:8080"})


def test_a_redirect_is_not_followed(app, firm_a, listener, clean_gateways, monkeypatch):
    inner = listener()
    outer = listener(status=307, location=f"http://127.0.0.1:{inner.server_port}/internal")
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", f"127.0.0.1:{outer.server_port}")
    note_id = notify_one(app, "alpha")
    set_gateway(app, "alpha", f"http://127.0.0.1:{outer.server_port}/hook")
    with app.app_context(), pytest.raises(WebhookError):
        send_notification_webhook("alpha", note_id, "sms")
    assert len(outer.bodies) == 1 and inner.connections == []
    assert "307" in last_error(app, "alpha") and "redirect" in last_error(app, "alpha")


def test_dns_rebinding_between_check_and_connect_cannot_reach_the_listener(
    app_ctx, listener, monkeypatch
):
    """The name answers a public address for the check, then loopback: the connection uses the first."""
    server = listener()
    real = socket.getaddrinfo
    answers = iter(["8.8.8.8", "127.0.0.1", "127.0.0.1"])
    lookups = []

    def rebinding_dns(host, port, *args, **kw):
        if host != "rebind.example.com":
            return real(host, port, *args, **kw)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    url = f"https://rebind.example.com:{server.server_port}/hook"
    with pytest.raises(OutboundError):
        post_json(url, b"{}", {}, timeout=1)
    assert lookups == ["rebind.example.com"] and server.connections == []
    # What a check followed by an ordinary client would have done: resolve again, reach loopback.
    with pytest.raises(OSError):
        urllib.request.urlopen(urllib.request.Request(url, data=b"{}"), timeout=2)
    assert len(server.connections) == 1


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_gateway_form_refuses_non_public_urls_and_stores_nothing(
    app, fresh_firm, signed_in, listener, locale
):
    server = listener()
    owner = signed_in(fresh_firm, "owner")
    owner.post("/lang", {"locale": "en" if locale == "en" else "zh_CN", "next": "/"})
    expected = {
        "en": {"https": "Use an https:// address.", "private": "private or local network"},
        "zh": {"https": "请使用 https:// 地址", "private": "内网或本机"},
    }[locale]
    urls = [
        *loopback_spellings(server.server_port),
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hook",
        "https://[fd00::1]/",
        "http://8.8.8.8/hook",
    ]
    for url in urls:
        page = owner.post("/notifications/gateway", {"url": url, "enabled": "y"})
        text = page.get_data(as_text=True)
        assert page.status_code == 422, url
        code = "https" if url.startswith("http://") else "private"
        assert expected[code] in text, (url, text[-2000:])
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        assert db.session.scalar(select(func.count(NotificationWebhook.id))) == 0
    assert (
        owner.post(
            "/notifications/gateway", {"url": "https://8.8.8.8/hook", "enabled": "y"}
        ).status_code
        == 303
    )
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        assert db.session.scalar(select(NotificationWebhook.url)) == "https://8.8.8.8/hook"
    assert server.connections == []


def test_the_worker_records_a_refusal_and_goes_on_with_the_next_job(
    app, firm_a, firm_b, listener, redis, clean_gateways
):
    """A real ``worker.py``: alpha's loopback gateway is refused, bravo's allowed one still gets its message."""
    secret_listener, allowed = listener(), listener()
    set_gateway(app, "alpha", f"http://127.0.0.1:{secret_listener.server_port}/hook")
    set_gateway(app, "bravo", f"http://127.0.0.1:{allowed.server_port}/hook")
    queue = Queue("high", connection=redis)
    refused = queue.enqueue(send_notification_webhook, "alpha", notify_one(app, "alpha"), "sms")
    sent = queue.enqueue(send_notification_webhook, "bravo", notify_one(app, "bravo"), "sms")
    done = run_worker_burst(app, OUTBOUND_ALLOW_HOSTS=f"127.0.0.1:{allowed.server_port}")
    assert secret_listener.connections == []
    assert (refused.return_value(refresh=True), sent.return_value(refresh=True)) == (
        "refused",
        "sent",
    )
    assert len(allowed.bodies) == 1
    assert last_error(app, "alpha").startswith("refused: https")
    assert "gateway URL refused" in done.stderr
