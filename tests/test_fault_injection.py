"""Processes die mid-job, Redis loses its state: nothing is lost or done twice.

A real ``python worker.py`` runs the job against the test database and Redis,
is killed with SIGKILL (with the work-horse it forked) half-way, and a fresh
worker runs the next periodic tick. Stripe webhooks delivered twice and out of
order are covered in tests/test_billing_stripe.py.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select, text, update

from tenants import current_tenant, db
from tests.support.billing import open_invoices_for_dunning
from tests.support.fingerprints import fingerprint
from tests.support.work import close_open_items, configure, entries, firm, new_firm, new_request
from tests.support.worker import ROOT, run_worker_burst
from yk_saas.models_base import utcnow


def start_worker(app):
    """A long-running worker in its own process group (so its work-horse dies with it)."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "PLATFORM_DOMAIN": app.config["PLATFORM_DOMAIN"],
        "SMTP_HOST": "",
        "LOG_LEVEL": "WARNING",
        # Only the job under test: no periodic work for every firm of the test database.
        "YK_PERIODIC_JOBS": "0",
        # One item per sweep batch, so a kill lands between two of them.
        "YK_WORK_SWEEP_BATCH": "1",
    }
    environment.pop("RQ_BURST", None)
    return subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(autouse=True)
def empty_queues(redis):
    """Jobs left queued by earlier tests (their mail) are not under test here; only slow the worker."""
    from yk_saas.extensions import QUEUE_NAMES

    for name in QUEUE_NAMES:
        Queue(name, connection=redis).empty()


def kill_when(process, condition, timeout=90):
    """SIGKILL the worker's whole group as soon as ``condition()`` holds; returns its last value."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            assert process.poll() is None, "the worker stopped by itself"
            time.sleep(0.05)
        raise AssertionError("the job never got going")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_a_billing_run_killed_half_way_invoices_every_period_once(app, redis):
    from yk_saas.billing import services
    from yk_saas.billing.jobs import billing_run
    from yk_saas.billing.models import Contract, Invoice
    from yk_saas.clients.models import ClientCompany

    slug = "faultbill"
    new_firm(app, slug)
    contracts, months = 500, 6
    with firm(app, slug):
        today = current_tenant().today()
        year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
        starts = date(year, month + 1, 1)  # the first of the month, ``months`` months back
        companies = [ClientCompany(name=f"Fault Co {n}") for n in range(contracts)]
        db.session.add_all(companies)
        db.session.flush()
        services.billing_settings().backfill_periods = months  # the firm back-fills them all
        for company in companies:
            services.create_contract(company.id, "Bookkeeping", "monthly", 30000, "CNY", starts)
        db.session.commit()
        expected = sum(
            len(list(services.contract_periods(c, today)))
            for c in db.session.scalars(select(Contract))
        )
    assert expected == contracts * months

    def invoices():
        with firm(app, slug):
            return db.session.scalar(select(func.count(Invoice.id)))

    Queue("low", connection=redis).enqueue(billing_run, slug)
    worker = start_worker(app)
    at_kill = kill_when(worker, lambda: invoices() >= 100 and invoices())
    assert 0 < at_kill < expected, "the worker was killed in the middle of the run"
    partial = invoices()
    assert partial < expected
    Queue("low", connection=redis).enqueue(billing_run, slug)  # the next hourly tick
    run_worker_burst(app)
    with firm(app, slug):
        rows = db.session.execute(
            select(Invoice.contract_id, Invoice.period_start, Invoice.number)
        ).all()
    assert len(rows) == expected
    assert Counter((r.contract_id, r.period_start) for r in rows).most_common(1)[0][1] == 1
    numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in rows)
    assert numbers == list(range(numbers[0], numbers[0] + expected)), "numbers stay gapless"


def overdue_items(app, info, count):
    from yk_saas.work.models import WorkItem

    with firm(app, info["slug"]):
        close_open_items()
        configure(timeout_policy="escalate")
        ids = [
            new_request(info["client_x"], title=f"Overdue {n}", now=utcnow()) for n in range(count)
        ]
        db.session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(ids))
            .values(claim_deadline=utcnow() - timedelta(minutes=5))
        )
        db.session.commit()
    return ids


def escalated_count(app, slug, ids):
    from yk_saas.work.models import WorkItem

    with firm(app, slug):
        return db.session.scalar(
            select(func.count(WorkItem.id)).where(
                WorkItem.id.in_(ids), WorkItem.escalated_at.is_not(None)
            )
        )


def test_a_timeout_sweep_killed_half_way_escalates_each_item_once(app, redis):
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work

    info = new_firm(app, "faultsweep")
    ids = overdue_items(app, info, 100)
    Queue(
        "high", connection=redis
    ).empty()  # the new items' staff mail is not under test here either
    Queue("high", connection=redis).enqueue(sweep_claim_timeouts_and_stale_work, info["slug"])
    # The sweep is fast: half the items, held by a claim in progress, are left for later.
    with firm(app, info["slug"]):
        schema = current_tenant().schema_name
        holder = db.engine.connect()
        transaction = holder.begin()
        holder.execute(
            text(f"SELECT id FROM {schema}.work_items WHERE id = ANY(:ids) FOR UPDATE"),
            {"ids": ids[50:]},
        )
    worker = start_worker(app)
    at_kill = kill_when(worker, lambda: escalated_count(app, info["slug"], ids) >= 10)
    transaction.rollback()
    holder.close()
    assert at_kill
    assert escalated_count(app, info["slug"], ids) < len(ids), (
        "the worker was killed in the middle of the sweep"
    )
    Queue("high", connection=redis).enqueue(
        sweep_claim_timeouts_and_stale_work, info["slug"]
    )  # the next minute's tick
    run_worker_burst(app)
    assert escalated_count(app, info["slug"], ids) == len(ids)
    with firm(app, info["slug"]):
        assert all(len(entries(i, "escalated")) == 1 for i in ids)


def test_after_redis_is_flushed_the_sweep_finds_every_due_item_in_the_database(app, redis):
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work
    from yk_saas.work.models import WorkItem

    info = new_firm(app, "faultflush")
    ids = overdue_items(app, info, 12)
    with firm(app, info["slug"]):
        later = new_request(info["client_x"], title="Not due yet", now=utcnow())
    redis.flushdb()  # every scheduled deadline job is gone
    with app.app_context():
        outcome = sweep_claim_timeouts_and_stale_work(info["slug"])
    assert outcome["escalated"] == len(ids)
    assert escalated_count(app, info["slug"], ids) == len(ids)
    with firm(app, info["slug"]):
        assert db.session.get(WorkItem, later).escalated_at is None
        assert all(len(entries(i, "escalated")) == 1 for i in ids)
    with app.app_context():
        assert sweep_claim_timeouts_and_stale_work(info["slug"])["escalated"] == 0


def schema_writes_in_progress(app, schema, table):
    """Whether another connection holds an uncommitted write on ``schema.table``."""
    from sqlalchemy import text

    with app.app_context():
        return db.session.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relname = :table AND l.mode = 'RowExclusiveLock' "
                "AND l.pid <> pg_backend_pid()"
            ),
            {"schema": schema, "table": table},
        )


def most_of_one(model, *group_by, where=True):
    """The largest number of rows of ``model`` sharing one value of ``group_by`` (0 when none)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(model)
            .where(where)
            .group_by(*group_by)
            .order_by(func.count().desc())
            .limit(1)
        )
        or 0
    )


def reminder_counts(app, slug):
    """What the dunning passes of a firm left behind, and the most any one reminder got."""
    from yk_saas.billing.models import ReminderSent
    from yk_saas.mail.models import QUEUED, OutboxEmail
    from yk_saas.notifications.models import Notification

    is_notice = Notification.event == "billing.reminder"
    is_reminder_mail = OutboxEmail.kind.like("reminder:%")
    with firm(app, slug):
        return {
            "steps": db.session.scalar(select(func.count()).select_from(ReminderSent)),
            "most_per_step": most_of_one(
                ReminderSent, ReminderSent.invoice_id, ReminderSent.step_key
            ),
            "notices": db.session.scalar(select(func.count(Notification.id)).where(is_notice)),
            "most_notices_per_invoice": most_of_one(
                Notification, Notification.user_id, Notification.link, where=is_notice
            ),
            "emails": db.session.scalar(select(func.count(OutboxEmail.id)).where(is_reminder_mail)),
            "most_emails_per_key": most_of_one(
                OutboxEmail, OutboxEmail.kind, where=is_reminder_mail
            ),
            "emails_undelivered": db.session.scalar(
                select(func.count(OutboxEmail.id)).where(
                    is_reminder_mail, OutboxEmail.status == QUEUED
                )
            ),
            "most_delivery_attempts": db.session.scalar(
                select(func.max(OutboxEmail.attempts)).where(is_reminder_mail)
            )
            or 0,
        }


def test_a_dunning_pass_killed_half_way_sends_every_reminder_step_once(app, redis):
    from yk_saas.billing.dunning import BATCH
    from yk_saas.billing.jobs import dunning_pass

    slug = "faultdun"
    new_firm(app, slug)
    # Enough invoices for several batches of the pass, so that it is still running after
    # its first e-mails are written.
    due = open_invoices_for_dunning(app, slug, companies=250, per_company=12)
    assert due > 2 * BATCH
    Queue("default", connection=redis).enqueue(dunning_pass, slug)
    worker = start_worker(app)
    # The pass is one transaction: kill it while it is writing the reminders' e-mails.
    assert kill_when(worker, lambda: schema_writes_in_progress(app, f"t_{slug}", "outbox_emails"))
    assert reminder_counts(app, slug)["steps"] == 0, "the killed pass left nothing half-sent"

    Queue("default", connection=redis).enqueue(dunning_pass, slug)  # the next tick
    run_worker_burst(app)
    counts = reminder_counts(app, slug)
    assert counts["steps"] == due
    assert counts["notices"] == counts["emails"] == due  # one client user per company
    assert (
        counts["most_per_step"]
        == counts["most_notices_per_invoice"]
        == counts["most_emails_per_key"]
        == 1
    )
    assert counts["emails_undelivered"] == 0
    assert counts["most_delivery_attempts"] == 1

    Queue("default", connection=redis).enqueue(dunning_pass, slug)  # a later tick the same day
    run_worker_burst(app)
    assert reminder_counts(app, slug) == counts


def test_reminder_mail_killed_half_way_through_delivery_is_delivered_once(app, redis):
    from yk_saas.billing.jobs import dunning_pass
    from yk_saas.mail.jobs import requeue_stuck_mail
    from yk_saas.mail.models import OUTBOX, OutboxEmail

    slug = "faultmail"
    new_firm(app, slug)
    due = open_invoices_for_dunning(app, slug, companies=40, per_company=1)

    def delivered():
        with firm(app, slug):
            return db.session.scalar(
                select(func.count(OutboxEmail.id)).where(OutboxEmail.status == OUTBOX)
            )

    Queue("default", connection=redis).enqueue(dunning_pass, slug)
    worker = start_worker(app)
    assert kill_when(worker, lambda: delivered() >= 8)
    assert reminder_counts(app, slug)["steps"] == due, "the pass itself had committed"
    assert delivered() < due, "the worker was killed in the middle of delivering"

    # Redis may have lost the rest of the delivery jobs: the periodic requeue finds them in the database.
    redis.flushdb()
    with firm(app, slug):
        db.session.execute(
            update(OutboxEmail).values(created_at=OutboxEmail.created_at - timedelta(minutes=10))
        )
        db.session.commit()
    Queue("default", connection=redis).enqueue(requeue_stuck_mail, slug)
    run_worker_burst(app)
    counts = reminder_counts(app, slug)
    assert counts["emails"] == due and counts["emails_undelivered"] == 0
    assert counts["most_emails_per_key"] == 1 and counts["most_delivery_attempts"] == 1


def test_while_postgresql_is_down_pages_are_a_clean_503_and_the_app_recovers_by_itself(
    app, firm_a, signed_in
):
    """The database goes away mid-session, as in a restart: every open connection is cut and new
    ones are refused. Pages answer 503 in the user's language and write nothing; once the
    database is back, the same app process serves the same session again."""
    from sqlalchemy import create_engine, make_url, text

    from yk_saas.embedded import database_url_on

    # make_url, not string splitting: the embedded server's URL carries its socket as a query.
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    admin = create_engine(
        database_url_on(app.config["SQLALCHEMY_DATABASE_URI"], "postgres"),
        isolation_level="AUTOCOMMIT",
    )
    owner = signed_in(firm_a, "owner")
    assert owner.get("/desk/").status_code == 200 and owner.get("/").status_code == 200
    before = fingerprint(app, "t_alpha")

    def set_connections(allowed: bool):
        with admin.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
            if not allowed:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": database},
                )

    try:
        set_connections(False)
        for path in ("/desk/", "/desk/clients/", "/portal/", "/"):
            down = owner.get(path)
            assert down.status_code == 503, (path, down.status_code)
            page = down.get_data(as_text=True)
            assert "暂时无法访问" in page and "Traceback" not in page and "psycopg" not in page
        refused = owner.post(
            "/desk/admin/site/sections", {"kind": "about", "title": "Written while down"}
        )
        assert refused.status_code == 503
    finally:
        set_connections(True)
        admin.dispose()
    assert owner.get("/desk/").status_code == 200, "the same process recovers with no restart"
    assert owner.get("/desk/clients/").status_code == 200
    assert fingerprint(app, "t_alpha") == before, "nothing was written while the database was down"
