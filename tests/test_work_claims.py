"""The claim pool on real PostgreSQL: concurrent claims, capacity, duty, timeout policies."""

import threading

import pytest

from tenants import db
from tests.support.work import (
    T0,
    add_accountants,
    close_open_items,
    configure,
    entries,
    firm,
    item,
    later,
    new_firm,
    new_request,
    person,
    reset_staff,
)

SLUG = "wclaim"


@pytest.fixture(scope="module")
def claim_firm(app):
    info = new_firm(app, SLUG)
    with firm(app, SLUG):
        info["racers"] = add_accountants("racer", 20, f"{SLUG}.example.com")
        info["acc_id"] = person(info["accountant"]).id
        info["acc2_id"] = person(info["accountant2"]).id
    return info


@pytest.fixture
def clean(app, claim_firm):
    with firm(app, SLUG):
        close_open_items()
        reset_staff(claim_firm["acc_id"], claim_firm["acc2_id"], *claim_firm["racers"])
        configure(timeout_policy="escalate", default_capacity=10, round_robin_last_id=None)
    return claim_firm


def claim_in_thread(app, user_id, item_id, barrier, results):
    from yk_saas.accounts.models import User
    from yk_saas.work.services import WorkError, claim_item

    with firm(app, SLUG):
        user = db.session.get(User, user_id)
        barrier.wait()
        try:
            claim_item(item_id, user)
            results.append(("won", user_id))
        except WorkError as exc:
            results.append(("refused", str(exc)))


def test_twenty_concurrent_claimers_exactly_one_wins(app, clean):
    with firm(app, SLUG):
        item_id = new_request(clean["client_x"], now=None)
    barrier, results = threading.Barrier(20), []
    threads = [
        threading.Thread(target=claim_in_thread, args=(app, uid, item_id, barrier, results))
        for uid in clean["racers"]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r[0] == "won"]
    refusals = [r for r in results if r[0] == "refused"]
    assert len(winners) == 1 and len(refusals) == 19
    assert all(message == "Someone else claimed this item first." for _, message in refusals)
    with firm(app, SLUG):
        row = item(item_id)
        assert row.assignee_id == winners[0][1] and row.state == "assigned"
        assert len(entries(item_id, "claimed")) == 1


def test_off_duty_and_full_accountants_cannot_claim(app, clean):
    from yk_saas.work.services import WorkError, claim_item

    with firm(app, SLUG):
        acc = person(clean["accountant"])
        reset_staff(acc.id, on_duty=False)
        first = new_request(clean["client_x"])
        with pytest.raises(WorkError, match="off duty"):
            claim_item(first, acc)
        reset_staff(acc.id, on_duty=True, capacity=1)
        claim_item(first, acc)
        second = new_request(clean["client_x"])
        with pytest.raises(WorkError, match="limit"):
            claim_item(second, acc)
        assert item(second).assignee_id is None and item(second).state == "new"


def test_client_and_manager_cannot_claim_from_the_pool(app, clean):
    from yk_saas.work.services import WorkError, claim_item

    with firm(app, SLUG):
        item_id = new_request(clean["client_x"])
        for who in ("client_x", "admin"):
            with pytest.raises(WorkError):
                claim_item(item_id, person(clean[who]))
        assert item(item_id).state == "new"


def test_escalate_policy_escalates_once_at_the_deadline(app, clean):
    from yk_saas.work.services import apply_timeout, sweep_timeouts_and_stale_work

    with firm(app, SLUG):
        item_id = new_request(clean["client_x"], urgency="urgent")  # 15 minutes
        assert apply_timeout(item_id, now=later(14)) is None  # not due yet
        assert item(item_id).escalated_at is None
        assert apply_timeout(item_id, now=later(15)) == "escalated"
        assert apply_timeout(item_id, now=later(16)) is None
        assert sweep_timeouts_and_stale_work(now=later(30))["escalated"] == 0
        row = item(item_id)
        assert row.state == "new" and row.assignee_id is None and row.escalated_at is not None
        assert len(entries(item_id, "escalated")) == 1
        from yk_saas.notifications.models import Notification

        admins = db.session.scalars(
            db.select(Notification.user_id).where(
                Notification.event == "work_escalated", Notification.link == f"/desk/work/{item_id}"
            )
        ).all()
        assert set(admins) == {person(clean["owner"]).id, person(clean["admin"]).id}


def only_two_accountants_on_duty(clean):
    reset_staff(*clean["racers"], on_duty=False)


def test_least_loaded_policy_skips_off_duty_and_full_staff(app, clean):
    from yk_saas.work.services import apply_timeout, claim_item

    with firm(app, SLUG):
        only_two_accountants_on_duty(clean)
        configure(timeout_policy="least_loaded")
        acc, acc2 = clean["acc_id"], clean["acc2_id"]
        claim_item(new_request(clean["client_x"]), person(clean["accountant"]))
        item_id = new_request(clean["client_x"])
        assert apply_timeout(item_id, now=later(120)) == "assigned"
        assert item(item_id).assignee_id == acc2  # acc already holds one
        reset_staff(acc2, on_duty=False)
        next_id = new_request(clean["client_x"])
        apply_timeout(next_id, now=later(120))
        assert item(next_id).assignee_id == acc  # acc2 is off duty
        reset_staff(acc, capacity=2)
        last_id = new_request(clean["client_x"])
        assert apply_timeout(last_id, now=later(120)) == "escalated"  # acc full, acc2 off
        assert item(last_id).assignee_id is None


def test_round_robin_policy_takes_turns(app, clean):
    from yk_saas.work.services import apply_timeout

    with firm(app, SLUG):
        only_two_accountants_on_duty(clean)
        configure(timeout_policy="round_robin")
        ids = [new_request(clean["client_x"]) for _ in range(3)]
        for item_id in ids:
            assert apply_timeout(item_id, now=later(120)) == "assigned"
        assignees = [item(i).assignee_id for i in ids]
        assert assignees == [clean["acc_id"], clean["acc2_id"], clean["acc_id"]]
        assert [len(entries(i, "auto_assigned")) for i in ids] == [1, 1, 1]


def test_dedicated_accountant_first_policy(app, clean):
    from yk_saas.clients.models import ClientCompany
    from yk_saas.work.services import apply_timeout

    with firm(app, SLUG):
        only_two_accountants_on_duty(clean)
        configure(timeout_policy="dedicated_first")
        company = db.session.get(ClientCompany, person(clean["client_x"]).client_company_id)
        company.dedicated_accountant_id = clean["acc2_id"]
        db.session.commit()
        first = new_request(clean["client_x"])
        apply_timeout(first, now=later(120))
        assert item(first).assignee_id == clean["acc2_id"]  # though acc2 is not least loaded now
        reset_staff(clean["acc2_id"], on_duty=False)
        second = new_request(clean["client_x"])
        apply_timeout(second, now=later(120))
        assert item(second).assignee_id == clean["acc_id"]  # dedicated off duty: next best
        company = db.session.get(ClientCompany, company.id)
        company.dedicated_accountant_id = None
        db.session.commit()


def race_claim(app, user_id, item_id, barrier, results):
    from yk_saas.accounts.models import User
    from yk_saas.work.services import WorkError, claim_item

    with firm(app, SLUG):
        user = db.session.get(User, user_id)
        barrier.wait()
        try:
            results.append(("claim", claim_item(item_id, user).id))
        except WorkError:
            results.append(("claim", None))


def race_timeout(app, item_id, barrier, results):
    from yk_saas.work.services import apply_timeout

    with firm(app, SLUG):
        barrier.wait()
        results.append(("timeout", apply_timeout(item_id, now=later(200))))


@pytest.mark.parametrize("policy", ["escalate", "least_loaded"])
def test_a_claim_racing_the_timeout_has_one_outcome(app, clean, policy):
    with firm(app, SLUG):
        configure(timeout_policy=policy)
        item_id = new_request(clean["client_x"], now=T0)
    barrier, results = threading.Barrier(2), []
    racer = clean["racers"][0]
    threads = [
        threading.Thread(target=race_claim, args=(app, racer, item_id, barrier, results)),
        threading.Thread(target=race_timeout, args=(app, item_id, barrier, results)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome = dict(results)
    with firm(app, SLUG):
        row = item(item_id)
        claimed = len(entries(item_id, "claimed"))
        auto = len(entries(item_id, "auto_assigned"))
        escalated = len(entries(item_id, "escalated"))
    if outcome["claim"]:
        assert row.assignee_id == racer and claimed == 1 and auto == 0
        # Escalation leaves an item in the pool, so "escalated, then claimed" is consistent.
        assert outcome["timeout"] in (None, "escalated")
        assert escalated == (1 if outcome["timeout"] == "escalated" else 0)
    else:
        assert outcome["timeout"] in ("assigned", "escalated") and claimed == 0
        assert (row.assignee_id is not None) == (outcome["timeout"] == "assigned")
        assert auto + escalated == 1


def test_no_progress_reminds_then_escalates(app, clean):
    from yk_saas.work.services import claim_item, post_progress, sweep_timeouts_and_stale_work

    with firm(app, SLUG):
        configure(stale_after_hours=4)
        item_id = new_request(clean["client_x"], now=T0)
        claim_item(item_id, person(clean["accountant"]), now=T0)
        assert sweep_timeouts_and_stale_work(now=later(3 * 60))["reminded"] == 0
        assert sweep_timeouts_and_stale_work(now=later(4 * 60))["reminded"] == 1
        assert sweep_timeouts_and_stale_work(now=later(5 * 60)) == {
            "assigned": 0,
            "escalated": 0,
            "reminded": 0,
            "stale_escalated": 0,
        }
        assert sweep_timeouts_and_stale_work(now=later(8 * 60))["stale_escalated"] == 1
        assert sweep_timeouts_and_stale_work(now=later(9 * 60))["stale_escalated"] == 0
        post_progress(
            item(item_id),
            person(clean["accountant"]),
            "Working on it",
            "in_progress",
            now=later(9 * 60),
        )
        row = item(item_id)
        assert row.reminded_at is None and row.stale_escalated_at is None
        assert (
            len(entries(item_id, "reminded")) == 1 and len(entries(item_id, "stale_escalated")) == 1
        )


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("least_loaded", ["acc", "acc2", "acc", "acc2", None]),
        ("round_robin", ["acc", "acc2", "acc", "acc2", None]),
        ("dedicated_first", ["acc2", "acc2", "acc", "acc", None]),
    ],
)
def test_the_sweep_assigns_by_batch_as_one_timeout_after_the_other_would(
    app, clean, monkeypatch, policy, expected
):
    """Five due items, two accountants holding two items at most: the sweep, two items a
    batch, hands them out in deadline order by the policy and escalates the fifth."""
    from yk_saas.clients.models import ClientCompany
    from yk_saas.work.services import sweep_timeouts_and_stale_work

    monkeypatch.setitem(app.config, "WORK_SWEEP_BATCH", 2)
    names = {"acc": clean["acc_id"], "acc2": clean["acc2_id"], None: None}
    with firm(app, SLUG):
        only_two_accountants_on_duty(clean)
        reset_staff(clean["acc_id"], clean["acc2_id"], capacity=2)
        configure(timeout_policy=policy)
        company = db.session.get(ClientCompany, person(clean["client_x"]).client_company_id)
        company.dedicated_accountant_id = clean["acc2_id"] if policy == "dedicated_first" else None
        db.session.commit()
        ids = [new_request(clean["client_x"], now=later(n)) for n in range(5)]
        counts = sweep_timeouts_and_stale_work(now=later(300))
        assert (counts["assigned"], counts["escalated"]) == (4, 1)
        assert [item(i).assignee_id for i in ids] == [names[n] for n in expected]
        assert [len(entries(i, "auto_assigned")) for i in ids] == [1, 1, 1, 1, 0]
        assert [len(entries(i, "escalated")) for i in ids] == [0, 0, 0, 0, 1]
        again = sweep_timeouts_and_stale_work(now=later(301))
        assert (again["assigned"], again["escalated"]) == (0, 0)
        company.dedicated_accountant_id = None
        db.session.commit()


def test_two_sweeps_at_once_hand_each_item_out_once(app, clean, monkeypatch):
    from yk_saas.work.services import sweep_timeouts_and_stale_work

    monkeypatch.setitem(app.config, "WORK_SWEEP_BATCH", 5)
    with firm(app, SLUG):
        configure(timeout_policy="least_loaded")
        reset_staff(*clean["racers"][:5], capacity=3)
        reset_staff(*clean["racers"][5:], on_duty=False)
        reset_staff(clean["acc_id"], clean["acc2_id"], on_duty=False)
        ids = [new_request(clean["client_x"], now=later(n)) for n in range(20)]
    barrier, results = threading.Barrier(2), []

    def sweep():
        with firm(app, SLUG):
            barrier.wait()
            results.append(sweep_timeouts_and_stale_work(now=later(300)))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["assigned"] for r in results) == 15  # five people, three items each
    assert sum(r["escalated"] for r in results) == 5
    with firm(app, SLUG):
        assignees = [item(i).assignee_id for i in ids]
        assert sorted(assignees.count(uid) for uid in clean["racers"][:5]) == [3] * 5
        for item_id in ids:
            handled = entries(item_id, "auto_assigned") + entries(item_id, "escalated")
            assert len(handled) == 1
