"""A short busy morning: the load scenario of ``bench/load_morning.py`` with 3 firms for 20 s.

gunicorn (2 sync workers) and two real ``python worker.py`` processes run against the test
database and Redis; simulated clients, accountants and admins sign in through ``/login`` and
work. No request may get a 5xx, every endpoint of the scenario is used, and afterwards every
success the load client saw is in the database exactly once (filings, attachments, claims
with one winner, progress notes, replies), every item's state is the end of its timeline,
every e-mail notification has its message and no job failed. The servers are stopped
whatever happens; their logs are kept in the test's temporary folder.

The second test pins down a race the scenario can run into: a client's reply and the
accountant's "done" on the same item at the same instant.
"""

import threading
from itertools import pairwise

from sqlalchemy import select

from tenants import db
from tests.support import load_morning
from tests.support.work import firm, new_firm, new_request, person

SECONDS = 20


def test_a_busy_morning_has_no_server_error_and_loses_no_write(app, tmp_path):
    redis_url = app.config["REDIS_URL"]
    # Urgent items would time out after an hour: no timeout falls in this short run.
    plans = load_morning.provision(
        app, 3, prefix="morning", accountants=2, clients=3, urgent_minutes=60
    )
    env = load_morning.server_environment(
        app.config["SQLALCHEMY_DATABASE_URI"],
        redis_url,
        app.config["PLATFORM_DOMAIN"],
        str(tmp_path / "files"),
    )
    # Other tests' firms share this database: their periodic jobs are not part of the scenario.
    load_morning.hold_periodic_jobs(redis_url, 300)
    run = load_morning.run_morning(
        app,
        plans,
        env,
        redis_url,
        SECONDS,
        web_workers=2,
        job_workers=2,
        procs=1,
        threads=3,
        think=1.5,
        urgent_minutes=60,
        drain_timeout=40,
        log_dir=tmp_path / "logs",
    )
    results = run["results"]
    report = f"{run['table']}\nphases (s): {run['timings']}, logs in {tmp_path / 'logs'}\n{run['server_log']}"

    assert not sum(results["errors"].values()), report
    assert not sum(results["unexpected"].values()), report
    assert run["drained"] is not None, "the worker did not empty its queues\n" + report
    missed = [name for name in load_morning.ENDPOINTS if not results["latency"].get(name)]
    assert not missed, f"endpoints never used: {missed}\n{report}"
    assert [c.name for c in run["checks"] if not c.ok] == [], report
    records = results["records"]
    assert (
        records["filed"] and records["claims_won"] and records["progress"] and records["replies"]
    ), report
    print(report)  # shown with ``pytest -s``: the latency table of the run


def race_step(app, slug, email, item_id, step, start, outcomes):
    """``step(item, user)`` as ``email``, started with the other racer; records ok or refused."""
    from yk_saas.work import services

    with firm(app, slug):
        user = person(email)
        item = services.get_visible_item(user, item_id)
        start.wait()
        try:
            step(item, user)
            outcomes[user.role] = "ok"
        except services.WorkError:
            outcomes[user.role] = "refused"


def test_a_reply_racing_the_accountants_done_goes_one_after_the_other(app):
    from yk_saas.work import services
    from yk_saas.work.models import WorkEntry, WorkItem

    info = new_firm(app, "morningrace")
    for round_ in range(5):
        with firm(app, info["slug"]):
            accountant = person(info["accountant"])
            item_id = new_request(info["client_x"], title=f"Race {round_}")
            services.claim_item(item_id, accountant)
            for state in ("in_progress", "waiting_on_client"):
                services.post_progress(
                    services.get_visible_item(accountant, item_id), accountant, state, state
                )
        start, outcomes = threading.Barrier(2), {}
        threads = [
            threading.Thread(
                target=race_step,
                args=(app, info["slug"], info[who], item_id, step, start, outcomes),
            )
            for who, step in (
                ("accountant", lambda i, u: services.post_progress(i, u, "Done", "done")),
                ("client_x", lambda i, u: services.post_reply(i, u, "Here it is")),
            )
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with firm(app, info["slug"]):
            state = db.session.scalar(select(WorkItem.state).where(WorkItem.id == item_id))
            steps = db.session.execute(
                select(WorkEntry.from_state, WorkEntry.to_state)
                .where(WorkEntry.work_item_id == item_id, WorkEntry.to_state.is_not(None))
                .order_by(WorkEntry.id)
            ).all()
        # Reply first, then "done" from in progress; or "done" first and the reply refused.
        assert outcomes["accountant"] == "ok" and state == "done", (outcomes, state, steps)
        assert all(
            later.from_state in (None, earlier.to_state) for earlier, later in pairwise(steps)
        ), steps
        assert steps[-1].to_state == state
