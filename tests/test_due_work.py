"""The due-work index: a tick enqueues jobs only for firms with something due, each job
writes back its firm's next due time, and a mark made meanwhile is never lost."""

from datetime import timedelta

from rq import Queue
from sqlalchemy import select

from tenants import current_tenant, db, tenant_context
from tests.support.firms import provision_firm, unique_slug
from tests.support.work import firm, item, new_request
from yk_saas import due
from yk_saas.extensions import QUEUE_NAMES
from yk_saas.models_base import utcnow


def queued_jobs(redis):
    return [job for name in QUEUE_NAMES for job in Queue(name, connection=redis).get_jobs()]


def empty_queues(redis):
    for name in QUEUE_NAMES:
        Queue(name, connection=redis).empty()


def due_row(app, slug, kind):
    with app.app_context(), tenant_context(slug):
        return db.session.execute(
            select(due.due_work.c.due_at, due.due_work.c.version).where(
                due.due_work.c.tenant_id == current_tenant().id, due.due_work.c.kind == kind
            )
        ).first()


def test_idle_firms_get_no_job_and_the_due_one_gets_exactly_one(app, redis):
    with app.app_context():
        due.tick()  # whatever other tests left due is enqueued once, then held back a while
    empty_queues(redis)
    idle = [provision_firm(app, unique_slug("idle"), "IDLE") for _ in range(20)]
    busy = provision_firm(app, unique_slug("busy"), "BUSY")
    with firm(app, busy["slug"]):
        item_id = new_request(busy["client_x"], now=utcnow() - timedelta(days=3))
    assert due_row(app, busy["slug"], "claims") is not None
    assert all(due_row(app, f["slug"], "claims") is None for f in idle)
    empty_queues(redis)  # the notices of the new item: only the tick's jobs are counted

    with app.app_context():
        assert due.tick() == 1
    jobs = queued_jobs(redis)
    assert [(j.func_name, j.args) for j in jobs] == [
        ("yk_saas.work.jobs.sweep_claim_timeouts_and_stale_work", (busy["slug"],))
    ]
    with app.app_context():
        assert due.tick() == 0  # enqueued already: not twice

    with app.app_context():
        jobs[0].perform()
    with firm(app, busy["slug"]):
        assert item(item_id).escalated_at is not None
    assert due_row(app, busy["slug"], "claims") is None  # nothing left: the row is gone
    empty_queues(redis)


def test_a_job_writes_back_the_next_due_time(app):
    slug = provision_firm(app, unique_slug("next"), "NEXT")
    with firm(app, slug["slug"]):
        new_request(slug["client_x"], now=utcnow() - timedelta(days=3))
        later_id = new_request(slug["client_x"], now=utcnow() + timedelta(days=1))
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work

    with app.app_context():
        sweep_claim_timeouts_and_stale_work(slug["slug"])
    with firm(app, slug["slug"]):
        deadline = item(later_id).claim_deadline
    assert due_row(app, slug["slug"], "claims").due_at == deadline


def test_a_mark_made_while_a_job_runs_is_not_lost(app):
    slug = provision_firm(app, unique_slug("race"), "RACE")["slug"]
    soon = utcnow() + timedelta(minutes=5)
    with app.app_context(), tenant_context(slug):
        due.mark_due("claims", soon + timedelta(hours=1))
        db.session.commit()
        version = due.read_due("claims")
        db.session.commit()
    with app.app_context(), tenant_context(slug):  # another transaction marks new work
        due.mark_due("claims", soon)
        db.session.commit()
    with app.app_context(), tenant_context(slug):  # the job, unaware of it, found nothing due
        due.reschedule("claims", version, None)
        db.session.commit()
    assert due_row(app, slug, "claims").due_at == soon
    with app.app_context(), tenant_context(slug):  # the earlier time wins an upsert
        due.mark_due("claims", soon + timedelta(days=1))
        db.session.commit()
    assert due_row(app, slug, "claims").due_at == soon
