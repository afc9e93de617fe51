"""The RQ worker: mail, claims, billing, reminders, with the scheduler on.

Run ``python worker.py``. It listens on the high, default and low queues
(in that order of priority), runs RQ's scheduler for delayed jobs and the
periodic dispatcher, and on SIGTERM finishes the current job, then stops
(RQ's warm shutdown).
"""

import logging
import os

from rq import Worker

from tenants.jobs import set_app_factory
from yk_saas import create_app
from yk_saas.extensions import QUEUE_NAMES, redis_conn
from yk_saas.jobs import after_fork_in_child, dispatcher_thread


def main(burst: bool = False) -> None:
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
            Worker(list(QUEUE_NAMES), connection=redis_conn()).work(
                with_scheduler=True, burst=burst
            )
        finally:
            stop.set()


if __name__ == "__main__":
    main(burst=os.environ.get("RQ_BURST") == "1")
