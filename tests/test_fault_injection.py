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

from rq import Queue
from sqlalchemy import func, select, update

from tenants import db
from tests.test_worker import ROOT, run_worker_burst
from tests.work_factories import close_open_items, configure, entries, firm, new_firm, new_request
from yk_saas.models_base import utcnow


def start_worker(app):
    """A long-running worker in its own process group (so its work-horse dies with it)."""
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "REDIS_URL": app.config["REDIS_URL"], "PLATFORM_DOMAIN": app.config["PLATFORM_DOMAIN"],
                   "SMTP_HOST": "", "LOG_LEVEL": "WARNING"}
    environment.pop("RQ_BURST", None)
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=environment, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
        today = services.firm_today()
        year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
        starts = date(year, month + 1, 1)  # the first of the month, ``months`` months back
        companies = [ClientCompany(name=f"Fault Co {n}") for n in range(contracts)]
        db.session.add_all(companies)
        db.session.flush()
        for company in companies:
            services.create_contract(company.id, "Bookkeeping", "monthly", 30000, "CNY", starts)
        db.session.commit()
        expected = sum(len(list(services.contract_periods(c, today)))
                       for c in db.session.scalars(select(Contract)))
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
        rows = db.session.execute(select(Invoice.contract_id, Invoice.period_start, Invoice.number)).all()
    assert len(rows) == expected
    assert Counter((r.contract_id, r.period_start) for r in rows).most_common(1)[0][1] == 1
    numbers = sorted(int(r.number.rsplit("-", 1)[1]) for r in rows)
    assert numbers == list(range(numbers[0], numbers[0] + expected)), "numbers stay gapless"


def overdue_items(app, info, count):
    from yk_saas.work.models import WorkItem

    with firm(app, info["slug"]):
        close_open_items()
        configure(timeout_policy="escalate")
        ids = [new_request(info["client_x"], title=f"Overdue {n}", now=utcnow()) for n in range(count)]
        db.session.execute(update(WorkItem).where(WorkItem.id.in_(ids))
                           .values(claim_deadline=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    return ids


def escalated_count(app, slug, ids):
    from yk_saas.work.models import WorkItem

    with firm(app, slug):
        return db.session.scalar(select(func.count(WorkItem.id))
                                 .where(WorkItem.id.in_(ids), WorkItem.escalated_at.is_not(None)))


def test_a_timeout_sweep_killed_half_way_escalates_each_item_once(app, redis):
    from yk_saas.work.jobs import sweep_claim_timeouts

    info = new_firm(app, "faultsweep")
    ids = overdue_items(app, info, 100)
    Queue("high", connection=redis).enqueue(sweep_claim_timeouts, info["slug"])
    worker = start_worker(app)
    at_kill = kill_when(worker, lambda: escalated_count(app, info["slug"], ids) >= 10)
    assert at_kill
    assert escalated_count(app, info["slug"], ids) < len(ids), "the worker was killed in the middle of the sweep"
    Queue("high", connection=redis).enqueue(sweep_claim_timeouts, info["slug"])  # the next minute's tick
    run_worker_burst(app)
    assert escalated_count(app, info["slug"], ids) == len(ids)
    with firm(app, info["slug"]):
        assert all(len(entries(i, "escalated")) == 1 for i in ids)


def test_after_redis_is_flushed_the_sweep_finds_every_due_item_in_the_database(app, redis):
    from yk_saas.work.jobs import sweep_claim_timeouts
    from yk_saas.work.models import WorkItem

    info = new_firm(app, "faultflush")
    ids = overdue_items(app, info, 12)
    with firm(app, info["slug"]):
        later = new_request(info["client_x"], title="Not due yet", now=utcnow())
    redis.flushdb()  # every scheduled deadline job is gone
    with app.app_context():
        outcome = sweep_claim_timeouts(info["slug"])
    assert outcome["escalated"] == len(ids)
    assert escalated_count(app, info["slug"], ids) == len(ids)
    with firm(app, info["slug"]):
        assert db.session.get(WorkItem, later).escalated_at is None
        assert all(len(entries(i, "escalated")) == 1 for i in ids)
    with app.app_context():
        assert sweep_claim_timeouts(info["slug"])["escalated"] == 0
