"""Notification channels: preferences, e-mail retries and the signed SMS/WeChat webhook."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask_babel import lazy_gettext
from sqlalchemy import select

from tenants import db, tenant_context
from yk_saas.mail.models import FAILED, OutboxEmail
from yk_saas.notifications import services as notifications
from yk_saas.notifications.jobs import send_notification_email, send_notification_webhook
from yk_saas.notifications.models import Notification, NotificationWebhook
from yk_saas.notifications.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookError,
    verify_signature,
)

notifications.register_events(
    notifications.EventType("test_channel_ping", lazy_gettext("Ping %(what)s"))
)


@pytest.fixture
def captured(monkeypatch):
    """Jobs ``notify`` would enqueue after commit, as (function name, args, kwargs)."""
    jobs = []
    monkeypatch.setattr(
        notifications,
        "enqueue_after_commit",
        lambda q, path, *a, **kw: jobs.append((path.rsplit(".", 1)[-1], a, kw)),
    )
    return jobs


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(app, fresh_firm, monkeypatch):
    """A receiving gateway, set up as the webhook of the test's own firm (``fresh_firm``)."""
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.received, Receiver.status = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # This listener only: the outbound rule (https, public addresses) stays on for every other.
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_HOSTS", f"127.0.0.1:{server.server_port}")
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        hook = NotificationWebhook(
            url=f"http://127.0.0.1:{server.server_port}/hook",
            secret="s3cret-for-tests",
            enabled=True,
        )
        db.session.add(hook)
        db.session.commit()
    yield server
    server.shutdown()


def notify(app, firm, user_ids, **params):
    with app.test_request_context(base_url=f"http://{firm['host']}"), tenant_context(firm["slug"]):
        ids = notifications.notify("test_channel_ping", user_ids, link="/desk/", what="x", **params)
        db.session.commit()
        return ids


def test_preference_off_means_not_sent_on_that_channel(app, fresh_firm, signed_in, captured):
    firm, accountant2 = fresh_firm, fresh_firm["ids"]["accountant2"]
    client = signed_in(firm, "accountant2")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'name="pref:test_channel_ping:email"' in page
    # Turn e-mail off for this event (nothing ticked).
    assert client.post("/notifications/preferences", {"other": "1"}).status_code == 303
    notify(app, firm, [accountant2])
    assert captured == []
    client.post("/notifications/preferences", {"pref:test_channel_ping:email": "on"})
    notify(app, firm, [accountant2])
    assert [name for name, _a, _kw in captured] == ["send_notification_email"]
    assert "Ping" in client.get("/notifications/").get_data(as_text=True)


def test_sms_goes_through_the_gateway_only_when_chosen(
    app, fresh_firm, signed_in, captured, gateway
):
    client = signed_in(fresh_firm, "accountant2")
    client.post("/notifications/preferences", {"pref:test_channel_ping:sms": "on"})
    notify(app, fresh_firm, [fresh_firm["ids"]["accountant2"]])
    hooks = [kw for _n, _a, kw in captured if kw.get("job_id", "").startswith("hook-")]
    assert len(hooks) == 1 and hooks[0]["job_id"].endswith("-sms")
    assert hooks[0]["retry"].max == 4


def test_webhook_signature_is_verifiable_by_the_receiver(app, fresh_firm, gateway):
    (note_id,) = notify(app, fresh_firm, [fresh_firm["ids"]["accountant"]])
    with app.app_context():
        assert send_notification_webhook(fresh_firm["slug"], note_id, "sms") == "sent"
    headers, body = Receiver.received[-1]
    assert verify_signature(
        "s3cret-for-tests",
        headers[TIMESTAMP_HEADER.lower()],
        body,
        headers[SIGNATURE_HEADER.lower()],
    )
    assert not verify_signature(
        "wrong-secret", headers[TIMESTAMP_HEADER.lower()], body, headers[SIGNATURE_HEADER.lower()]
    )
    assert not verify_signature(
        "s3cret-for-tests",
        headers[TIMESTAMP_HEADER.lower()],
        body + b" ",
        headers[SIGNATURE_HEADER.lower()],
    )
    payload = json.loads(body)
    assert payload["channel"] == "sms" and payload["title"] and payload["link"].endswith("/desk/")


def test_failing_gateway_raises_for_a_retry_and_keeps_the_in_app_record(app, fresh_firm, gateway):
    Receiver.status = 503
    (note_id,) = notify(app, fresh_firm, [fresh_firm["ids"]["accountant"]])
    with app.app_context():
        with pytest.raises(WebhookError):
            send_notification_webhook(fresh_firm["slug"], note_id, "sms")
        with tenant_context(fresh_firm["slug"]):
            assert db.session.get(Notification, note_id) is not None
            assert "503" in db.session.scalar(select(NotificationWebhook.last_error))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_down_is_retried_and_the_in_app_record_stays(app, firm_a, redis):
    from rq import Queue

    with app.app_context():
        Queue("high", connection=redis).empty()
    (note_id,) = notify(app, firm_a, [firm_a["ids"]["accountant"]])
    with app.app_context():
        # One job renders, stores and sends; it is the job that is retried.
        job = Queue("high", connection=redis).fetch_job(f"note-mail-alpha-{note_id}")
        assert job is not None and job.retries_left == 4
        old = dict(app.config)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
        try:
            with pytest.raises(OSError):
                send_notification_email("alpha", note_id)
        finally:
            app.config.update(SMTP_HOST=old["SMTP_HOST"], SMTP_PORT=old["SMTP_PORT"])
        with tenant_context("alpha"):
            email = db.session.scalar(
                select(OutboxEmail).where(OutboxEmail.kind == f"notification:{note_id}")
            )
            assert email.status == FAILED and email.attempts == 1
            assert db.session.get(Notification, note_id).read_at is None
        # The retry sends the stored message (kept in the outbox without SMTP), once.
        assert send_notification_email("alpha", note_id) == email.id
        assert send_notification_email("alpha", note_id) == email.id
        with tenant_context("alpha"):
            assert db.session.get(OutboxEmail, email.id).status == "outbox"
            assert db.session.get(OutboxEmail, email.id).attempts == 2


def test_per_event_email_template_is_used_when_present(app, firm_a):
    with app.app_context():
        assert notifications.email_template("test_channel_ping") == "notification"
        assert notifications.email_template("../../etc/passwd") == "notification"


def test_only_managers_configure_the_gateway(app, firm_a, signed_in):
    assert signed_in(firm_a, "accountant").get("/notifications/gateway").status_code == 403
    owner = signed_in(firm_a, "owner")
    assert owner.post("/notifications/gateway", {"url": "javascript:alert(1)"}).status_code == 422


def test_a_page_beyond_the_first_shows_the_rest(app, fresh_firm, signed_in, captured):
    """The centre shows 50 a page: the older notifications are on page 2, none lost or repeated.

    A firm of its own: the accountant has exactly these notifications.
    """
    firm, accountant2 = fresh_firm, fresh_firm["ids"]["accountant2"]
    for n in range(53):
        with (
            app.test_request_context(base_url=f"http://{firm['host']}"),
            tenant_context(firm["slug"]),
        ):
            notifications.notify(
                "test_channel_ping", [accountant2], link="/desk/", what=f"n{n:02d}"
            )
            db.session.commit()
    client = signed_in(firm, "accountant2")
    first = client.get("/notifications/").get_data(as_text=True)
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    shown = [f"n{n:02d}" for n in range(53)]
    assert [w for w in shown if f"Ping {w}" in first] == shown[3:]
    assert [w for w in shown if f"Ping {w}" in second] == shown[:3]
    assert "/notifications/?page=2" in first
