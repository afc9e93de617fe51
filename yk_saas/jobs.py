"""Periodic jobs and per-process job plumbing.

Periodic work is a list of definitions. Every worker process runs the
dispatcher, and a Redis key per (job, time slot) makes sure each slot is
enqueued once however many workers run.

Every kind of periodic firm work (claim deadlines and "no progress" reminders,
billing periods, dunning steps, complaint and follow-up reminders, surveys,
ledger reminders and mail retries) goes by the due-work index
(``yk_saas.due``): the ``due-work`` tick, every minute, is one indexed query and
enqueues jobs only for firms with something due, so an idle firm costs nothing.
Its safety net is a slice of the firms per minute, each firm once a day
(``due.mark_slice_due``): a missed index write delays work by at most a day,
never loses it.
"""

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from redis import Redis
from rq import Queue
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants import db
from tenants.models import Tenant
from yk_saas.extensions import queue

log = logging.getLogger("yk_saas.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    target: str  # dotted path of an RQ job function
    queue: str = "low"


#: Features append their periodic jobs here.
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("due-work", 60, "yk_saas.due.tick", queue="high"),
]


def enqueue_due_periodic_jobs(conn: Redis, now: float | None = None) -> list[str]:
    """Enqueue every periodic job whose current slot nobody has enqueued yet."""
    now = time.time() if now is None else now
    skipped = current_app.config.get("PERIODIC_SKIP", ())
    enqueued = []
    for job in PERIODIC_JOBS:
        if job.name in skipped:
            continue
        slot = int(now // job.every_seconds)
        if conn.set(f"yk:periodic:{job.name}:{slot}", 1, nx=True, ex=job.every_seconds * 2):
            queue(job.queue).enqueue(job.target, job_id=f"periodic-{job.name}-{slot}")
            enqueued.append(job.name)
    return enqueued


def run_periodic_dispatcher(app, stop: threading.Event, tick: float = 5.0) -> None:
    """Loop of the worker's dispatcher thread."""
    with app.app_context():
        while not stop.is_set():
            try:
                enqueue_due_periodic_jobs(queue().connection)
            except Exception:  # a Redis blip must not kill the thread
                log.exception("periodic dispatcher tick failed")
            stop.wait(tick)


def firm_slugs() -> list[str]:
    """Slugs of firms whose background work should run (not suspended)."""
    return list(
        db.session.scalars(
            select(Tenant.slug).where(Tenant.status != "suspended").order_by(Tenant.id)
        )
    )


def for_each_firm(job_function, *args, queue_name: str = "default") -> int:
    """Enqueue ``job_function(slug, *args)`` once per active firm; returns how many."""
    slugs = firm_slugs()
    q = queue(queue_name)
    for slug in slugs:
        q.enqueue(job_function, slug, *args)
    return len(slugs)


def after_fork_in_child() -> None:
    """A forked job process must not reuse the parent's pooled connections."""
    try:
        engines = db.engines.values()
    except RuntimeError:  # no app context in this process
        return
    for engine in engines:
        engine.dispose(close=False)


def dispatcher_thread(app) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_periodic_dispatcher, args=(app, stop), name="periodic-dispatcher", daemon=True
    )
    return thread, stop


def enqueue_after_commit(queue_name: str, job_function, *args, at=None, **kwargs) -> None:
    """Enqueue a job once the current transaction commits (never for a rolled-back one).

    With ``at`` (an aware datetime) the job is scheduled to run then instead of now.
    """
    db.session().info.setdefault("yk_after_commit", []).append(
        (queue_name, job_function, args, at, kwargs)
    )


#: ``Queue.enqueue`` options a caller of ``enqueue_after_commit`` may give, under the names
#: ``enqueue`` takes them (``job_timeout`` is ``timeout`` to ``prepare_data``).
ENQUEUE_OPTIONS = {
    "job_id": "job_id",
    "job_timeout": "timeout",
    "result_ttl": "result_ttl",
    "ttl": "ttl",
    "failure_ttl": "failure_ttl",
    "description": "description",
    "at_front": "at_front",
    "meta": "meta",
    "retry": "retry",
}


def enqueue_options(kwargs: dict) -> dict:
    """``Queue.prepare_data`` arguments from ``enqueue``-style keywords: RQ's own options by
    the names ``prepare_data`` takes, anything else as the job function's keywords."""
    options = {ENQUEUE_OPTIONS[k]: v for k, v in kwargs.items() if k in ENQUEUE_OPTIONS}
    job_kwargs = {k: v for k, v in kwargs.items() if k not in ENQUEUE_OPTIONS}
    return {**options, "kwargs": job_kwargs or None}


@event.listens_for(Session, "after_commit")
def _enqueue_committed_jobs(session):
    # Jobs to run now go to Redis in one pipeline per queue (a batch of reminders or
    # escalations queues thousands of them); scheduled ones one by one.
    now_by_queue: dict[str, dict] = {}
    for queue_name, job_function, args, at, kwargs in session.info.pop("yk_after_commit", []):
        if at is None:
            data = Queue.prepare_data(job_function, args, **enqueue_options(kwargs))
            key = kwargs.get("job_id") or object()
            now_by_queue.setdefault(queue_name, {}).setdefault(key, data)
            continue
        try:
            queue(queue_name).enqueue_at(at, job_function, *args, **kwargs)
        except Exception:  # the periodic sweeps find what was committed but not enqueued
            log.exception("could not enqueue %s after commit", job_function)
    for queue_name, jobs in now_by_queue.items():
        try:
            queue(queue_name).enqueue_many(list(jobs.values()))
        except Exception:  # as above: the sweeps find them in the database
            log.exception("could not enqueue %d jobs on %s after commit", len(jobs), queue_name)


@event.listens_for(Session, "after_rollback")
def _drop_uncommitted_jobs(session):
    session.info.pop("yk_after_commit", None)
