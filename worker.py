"""The RQ worker: mail, claims, billing, reminders, with the scheduler on.

Run ``python worker.py [--processes N]`` (default 2). The parent process runs
the periodic dispatcher (once per ``worker.py``) and supervises N long-lived
job processes, restarting any that dies. Each job process is an RQ
``SimpleWorker``: jobs run in the process itself, no fork per job. Between
jobs the process resets what a job could leave behind: the bound firm, the
ORM session, and the app context (every job gets a fresh one, so ``g`` is new).

Queues and priorities:
- ``deadlines`` (claim deadlines) comes first in every process, so mail or
  billing can never delay a deadline by more than the job in progress.
- processes 1..N-1 then take ``high`` (mail), ``default``, ``low`` in order;
- the last process (with N >= 2) takes ``low`` before the others: billing and
  dunning get a process of their own whenever they have work, so a flood of
  ``high`` jobs cannot starve them. A dedicated process is simpler to reason
  about than a random or round-robin order, where a deadline could wait
  behind a long ``low`` job in every process.
- with N = 1 the single process dequeues round-robin across the queues, so
  nothing starves (a deadline waits at most three jobs).

SIGTERM: the parent passes it on; each job process finishes its current job
and stops (RQ's warm shutdown), then the parent exits.
"""

import argparse
import logging
import multiprocessing
import os
import signal
import time

from rq import SimpleWorker
from rq.worker import DequeueStrategy

from tenants.binding import bind
from tenants.jobs import set_app_factory
from yk_saas import create_app
from yk_saas.extensions import QUEUE_NAMES, redis_conn
from yk_saas.jobs import after_fork_in_child, dispatcher_thread

log = logging.getLogger("yk_saas.worker")


class IsolatingWorker(SimpleWorker):
    """A SimpleWorker that runs each job in a fresh app context and cleans up after it."""

    flask_app = None

    def execute_job(self, job, queue):
        from tenants.db import db

        try:
            with self.flask_app.app_context():
                super().execute_job(job, queue)
        finally:
            # Whatever the job did or however it ended, the next one starts clean.
            bind(None)
            with self.flask_app.app_context():
                db.session.remove()


def queue_order(index: int, processes: int) -> tuple[list[str], DequeueStrategy]:
    """The queues process ``index`` of ``processes`` listens to, and how it picks."""
    strict = list(QUEUE_NAMES)
    if processes == 1:
        return strict, DequeueStrategy.ROUND_ROBIN
    if index == processes - 1:
        return ["deadlines", "low", "default", "high"], DequeueStrategy.DEFAULT
    return strict, DequeueStrategy.DEFAULT


def run_job_process(index: int, processes: int, burst: bool) -> None:
    """Body of one long-lived job process."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    set_app_factory(create_app)
    app = create_app()
    IsolatingWorker.flask_app = app
    queues, strategy = queue_order(index, processes)
    with app.app_context():
        conn = redis_conn()
    worker = IsolatingWorker(queues, connection=conn)
    worker.work(with_scheduler=True, burst=burst, dequeue_strategy=strategy)


def start_process(index: int, processes: int, burst: bool) -> multiprocessing.Process:
    process = multiprocessing.get_context("spawn").Process(
        target=run_job_process, args=(index, processes, burst), name=f"yk-worker-{index}"
    )
    process.start()
    return process


def supervise(processes: int, burst: bool) -> int:
    """Start the job processes, restart dead ones, pass SIGTERM on; returns the exit code."""
    children = {i: start_process(i, processes, burst) for i in range(processes)}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = False
    while children:
        time.sleep(0.2)
        for index, child in list(children.items()):
            if child.is_alive():
                continue
            child.join()
            del children[index]
            failed = failed or child.exitcode != 0
            if not burst and not stopping:
                log.warning("job process %s ended (%s); restarting", index, child.exitcode)
                children[index] = start_process(index, processes, burst)
    return 1 if failed and burst else 0


def main(burst: bool = False, processes: int = 2) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    set_app_factory(create_app)
    app = create_app()
    os.register_at_fork(after_in_child=after_fork_in_child)
    with app.app_context():
        thread, stop = dispatcher_thread(app)
        if not burst and app.config["PERIODIC_JOBS"]:
            thread.start()
        try:
            return supervise(processes, burst)
        finally:
            stop.set()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--processes", type=int, default=int(os.environ.get("WORKER_PROCESSES", "2"))
    )
    options = parser.parse_args()
    raise SystemExit(main(burst=os.environ.get("RQ_BURST") == "1", processes=options.processes))
