"""Claim timeouts on a real RQ worker: a stopped worker catches up, nothing happens twice."""

from datetime import timedelta

from rq import Queue
from rq.registry import ScheduledJobRegistry
from sqlalchemy import update

from tenants import db
from tests.support.work import (
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
from tests.support.worker import run_worker_burst
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
    scheduled = ScheduledJobRegistry(queue=Queue("deadlines", connection=redis))
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


def test_jobs_queued_under_earlier_names_and_the_deadline_job_path_still_run(app, redis):
    """A deploy may find sweeps queued under the old names; the deadline job is named by path."""
    from rq.job import Job

    from yk_saas.work.claims import CLAIM_DEADLINE_JOB

    new_firm(app, "wrename")
    redis.flushdb()
    with app.app_context():
        queue = Queue("high", connection=redis)
        old = queue.enqueue("yk_saas.work.jobs.sweep_claim_timeouts", "wrename")
        everywhere = queue.enqueue("yk_saas.work.jobs.sweep_claim_timeouts_everywhere")
        deadline = queue.enqueue(CLAIM_DEADLINE_JOB, "wrename", 0)
    run_worker_burst(app)
    for job in (old, everywhere, deadline):
        job = Job.fetch(job.id, connection=redis)
        assert job.get_status() == "finished", job.exc_info
    assert set(Job.fetch(old.id, connection=redis).return_value()) == {
        "assigned",
        "escalated",
        "reminded",
        "stale_escalated",
    }
