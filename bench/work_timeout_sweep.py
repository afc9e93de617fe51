"""Claim-timeout sweep: 10,000 overdue items across 100 firms.

Half the firms escalate to an admin (the seed's policy), half assign to the
least-loaded accountant. The baseline is the least a sweep must do per item:
one conditional UPDATE and a commit, measured on the same items' twins. The
sweep runs once in one process (one worker), then on a second set of 100 firms
by one worker process per CPU, up to 4 (as RQ workers share the per-firm jobs).
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import select, update

from bench.work_common import bench_app, insert_items, make_firm, timed
from tenants import db, tenant_context

FIRMS = int(os.environ.get("BENCH_FIRMS", "100"))
PER_FIRM = int(os.environ.get("BENCH_PER_FIRM", "100"))
WORKERS = min(4, os.cpu_count() or 1)


def baseline(app, firms):
    from yk_saas.work.models import WorkItem

    with app.app_context():
        for info in firms:
            with tenant_context(info["slug"]):
                ids = db.session.scalars(
                    select(WorkItem.id).where(WorkItem.state == "cancelled")
                ).all()
                for item_id in ids:
                    db.session.execute(
                        update(WorkItem)
                        .where(WorkItem.id == item_id, WorkItem.escalated_at.is_(None))
                        .values(escalated_at=WorkItem.claim_deadline)
                    )
                    db.session.commit()


_worker_app = None


def start_worker():
    global _worker_app
    _worker_app = bench_app(fresh=False)


def sweep_one(slug, app=None):
    from yk_saas.work.jobs import sweep_claim_timeouts_and_stale_work as sweep_claim_timeouts

    with (app or _worker_app).app_context():
        return sweep_claim_timeouts(slug)


def add_up(totals, counts):
    for key, value in counts.items():
        totals[key] = totals.get(key, 0) + value


def sweep_all(app, firms):
    """One process sweeps every firm in turn."""
    totals = {}
    for info in firms:
        add_up(totals, sweep_one(info["slug"], app))
    return totals


def sweep_in_processes(firms, workers):
    """``workers`` processes share the firms, like RQ workers sharing per-firm jobs."""
    totals = {}
    with ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker
    ) as pool:
        for counts in pool.map(sweep_one, [info["slug"] for info in firms]):
            add_up(totals, counts)
    return totals


def make_firms(app, prefix):
    firms = []
    for n in range(FIRMS):
        policy = "escalate" if n % 2 == 0 else "least_loaded"
        info = make_firm(app, f"{prefix}{n:03d}", accountants=3, policy=policy)
        with app.app_context(), tenant_context(info["slug"]):
            insert_items(info, PER_FIRM)
            # Twins for the baseline: overdue too, but cancelled, so the sweep leaves them alone.
            insert_items(info, PER_FIRM, states=("cancelled",))
        firms.append(info)
    return firms


def main():
    app = bench_app()
    firms, others = make_firms(app, "sweep"), make_firms(app, "sweeq")
    base_seconds, _ = timed(baseline, app, firms)
    seconds, totals = timed(sweep_all, app, firms)
    again, repeat = timed(sweep_all, app, firms)
    parallel, _ = timed(sweep_in_processes, others, WORKERS)
    items = FIRMS * PER_FIRM
    print(f"items: {items} in {FIRMS} firms; outcomes: {totals}")
    print(f"sweep, one worker: {seconds:.1f} s, {items / seconds:.0f} items/s")
    print(
        f"sweep, {WORKERS} worker processes (start-up included): {parallel:.1f} s, "
        f"{items / parallel:.0f} items/s"
    )
    print(
        f"baseline (one conditional UPDATE + commit per item): {base_seconds:.1f} s, "
        f"{items / base_seconds:.0f} items/s"
    )
    print(
        f"ratio sweep / baseline: {seconds / base_seconds:.1f}x (one worker), "
        f"{parallel / base_seconds:.1f}x ({WORKERS} processes)"
    )
    print(f"second sweep (nothing due): {again:.2f} s, outcomes {repeat}")


if __name__ == "__main__":
    main()
