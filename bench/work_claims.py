"""Claim latency under 20 concurrent claimers racing for the same item.

Each round files one item, then 20 threads (20 accountants, each with its own
connection and transaction) claim it at the same instant: one wins, 19 are
refused. The baseline is one claimer alone, measured in the same run.
"""

import os
import threading
import time

from sqlalchemy import func, select

from bench.work_common import bench_app, make_firm, ms, percentile, statistics
from tenants import db, tenant_context

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
CLAIMERS = 20
SLUG = "claims"


def new_item(client_id):
    from yk_saas.accounts.models import User
    from yk_saas.work.services import create_request

    user = db.session.get(User, client_id)
    return create_request(user, "Race", "Other", "", "normal").id


def timed_claim(item_id, user):
    """(seconds, won) of one claim attempt."""
    from yk_saas.work.services import WorkError, claim_item

    began = time.perf_counter()
    try:
        claim_item(item_id, user)
        won = True
    except WorkError:
        won = False
    return time.perf_counter() - began, won


def claimer(app, user_id, item_ids, start, done, out):
    from yk_saas.accounts.models import User

    with app.app_context(), tenant_context(SLUG):
        for item_id in item_ids:
            user = db.session.get(User, user_id)
            start.wait()
            out.append(timed_claim(item_id, user))
            done.wait()


def contended(app, info, item_ids):
    out: list[tuple[float, bool]] = []
    start, done = threading.Barrier(CLAIMERS), threading.Barrier(CLAIMERS)
    threads = [
        threading.Thread(target=claimer, args=(app, uid, item_ids, start, done, out))
        for uid in info["accountants"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def alone(app, info, item_ids):
    from yk_saas.accounts.models import User

    with app.app_context(), tenant_context(SLUG):
        results = []
        for item_id in item_ids:
            user = db.session.get(User, info["accountants"][0])
            results.append(timed_claim(item_id, user))
        return [seconds for seconds, _ in results]


def summary(label, values, base=None):
    p50, p95 = statistics.median(values), percentile(values, 0.95)
    ratio = f" ({p50 / base[0]:.1f}x, {p95 / base[1]:.1f}x)" if base else ""
    print(f"{label}: p50 {ms(p50)}, p95 {ms(p95)}{ratio}")
    return p50, p95


def main():
    app = bench_app()
    info = make_firm(app, SLUG, accountants=CLAIMERS)
    with app.app_context(), tenant_context(SLUG):
        alone_ids = [new_item(info["client_id"]) for _ in range(ROUNDS)]
        race_ids = [new_item(info["client_id"]) for _ in range(ROUNDS)]
    base = summary("one claimer alone (baseline)", alone(app, info, alone_ids))
    raced = contended(app, info, race_ids)
    summary(f"all claims, {CLAIMERS} racers per item", [s for s, _ in raced], base)
    summary("  winning claims", [s for s, won in raced if won], base)
    summary("  refused claims", [s for s, won in raced if not won], base)
    with app.app_context(), tenant_context(SLUG):
        from yk_saas.work.models import WorkItem

        taken = db.session.scalar(
            select(func.count(WorkItem.id)).where(
                WorkItem.id.in_(race_ids), WorkItem.assignee_id.isnot(None)
            )
        )
    print(f"rounds: {ROUNDS}; wins: {sum(won for _, won in raced)}; items taken: {taken}")


if __name__ == "__main__":
    main()
