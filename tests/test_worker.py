"""Jobs on a real RQ worker process: the right firm's schema, SMTP or outbox, retries."""

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support.worker import free_port, run_worker_burst
from yk_saas.mail.models import OutboxEmail
from yk_saas.mail.services import queue_email


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def plain_body(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message.get_body(("plain",)).get_content()


def queue_message(app, slug, to, subject_marker):
    with app.test_request_context(base_url=f"http://{slug}.yk.test"), tenant_context(slug):
        from flask import g

        g.tenant = __import__("tenants").current_tenant()
        email = queue_email(
            to,
            "test",
            "password_reset",
            user=type("U", (), {"name": subject_marker}),
            link=f"http://{slug}.yk.test/x",
            minutes=60,
        )
        db.session.commit()
        return email.id


def enqueue(app, slug, email_id):
    from yk_saas.mail.jobs import enqueue_delivery

    with app.app_context(), tenant_context(slug):
        enqueue_delivery(email_id)
        db.session.commit()  # delivery is enqueued once the transaction commits


def email_row(app, slug, email_id):
    with app.app_context(), tenant_context(slug):
        return db.session.scalar(select(OutboxEmail).where(OutboxEmail.id == email_id))


def test_worker_delivers_each_firms_mail_from_its_own_schema(
    app, firm_a, firm_b, redis, smtp_server
):
    controller, inbox = smtp_server
    redis.flushdb()
    a_id = queue_message(app, "alpha", "reader-a@example.com", "ALPHA-READER")
    b_id = queue_message(app, "bravo", "reader-b@example.com", "BRAVO-READER")
    enqueue(app, "alpha", a_id)
    enqueue(app, "bravo", b_id)
    run_worker_burst(app, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port))
    delivered = {m.rcpt_tos[0]: plain_body(m.content) for m in inbox.messages}
    assert "ALPHA-READER" in delivered["reader-a@example.com"]
    assert "BRAVO-READER" in delivered["reader-b@example.com"]
    assert email_row(app, "alpha", a_id).status == "sent"
    assert email_row(app, "bravo", b_id).status == "sent"
    # Running the same jobs again sends nothing twice.
    enqueue(app, "alpha", a_id)
    run_worker_burst(app, SMTP_HOST="127.0.0.1", SMTP_PORT=str(controller.port))
    assert len(inbox.messages) == 2


def test_without_smtp_mail_is_kept_in_the_outbox(app, firm_a, redis, signed_in):
    redis.flushdb()
    email_id = queue_message(app, "alpha", "kept@example.com", "KEPT")
    enqueue(app, "alpha", email_id)
    run_worker_burst(app)
    assert email_row(app, "alpha", email_id).status == "outbox"
    page = signed_in(firm_a, "owner").get(f"/desk/admin/mail/{email_id}").get_data(as_text=True)
    assert "kept@example.com" in page and "http://alpha.yk.test/x" in page


def test_smtp_down_records_the_failure_and_schedules_a_retry(app, firm_a, redis):
    redis.flushdb()
    email_id = queue_message(app, "alpha", "later@example.com", "LATER")
    enqueue(app, "alpha", email_id)
    run_worker_burst(app, SMTP_HOST="127.0.0.1", SMTP_PORT=str(free_port()))
    row = email_row(app, "alpha", email_id)
    assert row.status == "failed" and row.attempts == 1 and row.last_error
    assert ScheduledJobRegistry(queue=Queue("high", connection=redis)).count == 1


def test_periodic_jobs_are_enqueued_once_per_slot(app_ctx, redis):
    from yk_saas.jobs import PERIODIC_JOBS, enqueue_due_periodic_jobs

    redis.flushdb()

    first = enqueue_due_periodic_jobs(redis, now=1_000_000.0)
    assert "due-work" in first and len(first) == len(PERIODIC_JOBS)
    assert enqueue_due_periodic_jobs(redis, now=1_000_001.0) == []
    assert Queue("low", connection=redis).count == sum(j.queue == "low" for j in PERIODIC_JOBS)


def test_stuck_mail_is_found_again_after_redis_lost_its_job(app, firm_a, redis):
    from datetime import timedelta

    from yk_saas.mail.jobs import requeue_stuck_mail
    from yk_saas.models_base import utcnow

    redis.flushdb()
    email_id = queue_message(app, "alpha", "lost@example.com", "LOST")
    with app.app_context(), tenant_context("alpha"):
        db.session.get(OutboxEmail, email_id).created_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    with app.app_context():
        assert requeue_stuck_mail("alpha") >= 1
    run_worker_burst(app)
    assert email_row(app, "alpha", email_id).status == "outbox"
