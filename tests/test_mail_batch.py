"""A batch of messages goes out over one SMTP connection, each message still once only.

A real SMTP server (aiosmtpd) counts the connections it is given; the batch is
the stuck-mail pass, which delivers what Redis lost in one job.
"""

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from tenants import db
from tests.support.work import firm
from tests.support.worker import free_port
from yk_saas.mail.jobs import requeue_stuck_mail
from yk_saas.mail.models import FAILED, QUEUED, SENT, OutboxEmail
from yk_saas.mail.services import queue_email
from yk_saas.models_base import utcnow

MESSAGES = 5


class CountingInbox:
    """Accepts every message, except those whose recipient is in ``refuse``; counts connections."""

    def __init__(self):
        self.sessions = []
        self.received = []
        self.refuse = set()

    async def handle_DATA(self, server, session, envelope):
        if not any(seen is session for seen in self.sessions):
            self.sessions.append(session)  # kept, so identity stays unique
        if envelope.rcpt_tos[0] in self.refuse:
            return "554 refused by the test"
        self.received.append(envelope.rcpt_tos[0])
        return "250 OK"


@pytest.fixture
def inbox(app, monkeypatch):
    handler = CountingInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    yield handler
    controller.stop()


def stuck_messages(app, slug) -> list[str]:
    """``MESSAGES`` queued messages whose delivery jobs were lost; returns their recipients."""
    recipients = [f"r{i}@{slug}.example.com" for i in range(MESSAGES)]
    with app.test_request_context(base_url=f"http://{slug}.yk.test"), firm(app, slug):
        for to in recipients:
            queue_email(to, "test", "password_reset", user={"name": "R"}, link="x", minutes=60)
        db.session.execute(
            update(OutboxEmail).values(created_at=utcnow().replace(year=utcnow().year - 1))
        )
        db.session.commit()
    return recipients


def outbox(app, slug) -> dict[str, tuple[str, int]]:
    with firm(app, slug):
        rows = db.session.execute(
            select(OutboxEmail.to_address, OutboxEmail.status, OutboxEmail.attempts)
        )
        return {to: (status, attempts) for to, status, attempts in rows}


def test_stuck_mail_goes_out_over_one_connection_once(app, fresh_firm, inbox):
    recipients = stuck_messages(app, fresh_firm["slug"])
    with app.app_context():
        assert requeue_stuck_mail(fresh_firm["slug"]) == MESSAGES
        assert requeue_stuck_mail(fresh_firm["slug"]) == 0  # a second pass finds nothing
    assert sorted(inbox.received) == sorted(recipients)
    assert len(inbox.sessions) == 1
    assert outbox(app, fresh_firm["slug"]) == {to: (SENT, 1) for to in recipients}


def test_a_refused_message_ends_the_batch_and_the_next_pass_sends_the_rest_once(
    app, fresh_firm, inbox
):
    recipients = stuck_messages(app, fresh_firm["slug"])
    inbox.refuse = {recipients[2]}
    with app.app_context():
        assert requeue_stuck_mail(fresh_firm["slug"]) == 2
    state = outbox(app, fresh_firm["slug"])
    assert [state[to] for to in recipients] == [
        (SENT, 1),
        (SENT, 1),
        (FAILED, 1),
        (QUEUED, 0),
        (QUEUED, 0),
    ]

    inbox.refuse = set()
    with app.app_context():
        assert requeue_stuck_mail(fresh_firm["slug"]) == 3
    assert sorted(inbox.received) == sorted(recipients)  # each exactly once
    assert len(inbox.sessions) == 2  # one connection per pass
    state = outbox(app, fresh_firm["slug"])
    assert state[recipients[2]] == (SENT, 2)
    assert all(state[to][0] == SENT for to in recipients)
