"""Claim timeouts on a real RQ worker: a stopped worker catches up, nothing happens twice."""

from datetime import timedelta

from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update

from tenants import db
from tests.test_worker import run_worker_burst
from tests.work_factories import (
    close_open_items,
    configure,
    entries,
    firm,
    item,
    new_firm,
    new_request,
    person,
    reset_staff,
)
from yk_saas.models_base import utcnow

SLUG = "wworker"


def test_worker_stopped_past_deadlines_catches_up_once(app, redis):
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work
    from yk_saas.work.models import WorkItem

    info = new_firm(app, SLUG)
    redis.flushdb()
    with firm(app, SLUG):
        acc, acc2 = person(info["accountant"]).id, person(info["accountant2"]).id
        close_open_items()
        reset_staff(acc, acc2, capacity=3)
        configure(timeout_policy="least_loaded")
        ids = [new_request(info["client_x"], title=f"Overdue {n}", now=utcnow()) for n in range(8)]
        # The worker was down: every deadline passed an hour ago.
        db.session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(ids))
            .values(claim_deadline=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    scheduled = ScheduledJobRegistry(queue=Queue("high", connection=redis))
    assert scheduled.count == 8  # one job at each deadline, as filed
    with app.app_context():
        Queue("high", connection=redis).enqueue(sweep_claim_timeouts_and_stale_work, SLUG)
        Queue("high", connection=redis).enqueue(sweep_claim_timeouts_and_stale_work, SLUG)
    run_worker_burst(app)
    with firm(app, SLUG):
        rows = [item(i) for i in ids]
        assignees = [r.assignee_id for r in rows]
        assert assignees.count(acc) == 3 and assignees.count(acc2) == 3  # capacity 3 each
        assert sum(r.escalated_at is not None for r in rows) == 2  # nobody left for the rest
        for item_id in ids:
            handled = entries(item_id, "auto_assigned") + entries(item_id, "escalated")
            assert len(handled) == 1
    # The deadline jobs, run again later, change nothing.
    run_worker_burst(app)
    with firm(app, SLUG):
        assert [item(i).assignee_id for i in ids] == assignees
        assert all(len(entries(i, "auto_assigned") + entries(i, "escalated")) == 1 for i in ids)
