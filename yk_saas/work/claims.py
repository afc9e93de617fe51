"""The claim pool from entry to exit: opening an item for claims, atomic claims,
manual assignment, approvals, claim timeouts and the sweep.

The deadline in the database is the truth. Every change of hands is one
conditional UPDATE on the item's row, so a claim racing a timeout (or another
claim) finds the row already taken and loses cleanly. Services here flush and
leave the commit to the request or job, except where a row or person lock is
held: those commit at once so the lock is held for one item only.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, cast, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from tenants import current_tenant, db
from yk_saas import due, signals
from yk_saas.access import ACCOUNTANT, MANAGERS
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.extensions import DEADLINES_QUEUE
from yk_saas.jobs import enqueue_after_commit
from yk_saas.models_base import utcnow
from yk_saas.work import events
from yk_saas.work.errors import WorkError
from yk_saas.work.models import WorkEntry, WorkItem
from yk_saas.work.settings import (
    capacity_of,
    eligible_staff,
    get_settings,
    is_on_duty,
    open_count,
    staff_load,
    timeout_for,
)

#: The job run at an item's deadline, named by its path: the jobs module calls into this one.
CLAIM_DEADLINE_JOB = "yk_saas.work.jobs.claim_deadline_reached"
#: The kind of the due-work index that claim deadlines and "no progress" reminders use.
DUE_KIND = "claims"


def on_duty_accountant_ids() -> list[int]:
    return [s["user"].id for s in staff_load() if s["on_duty"]]


def open_for_claims(item: WorkItem, now) -> None:
    """Put an approved item in the pool: deadline, notices, order placed, timeout job."""
    item.claim_deadline = now + timeout_for(get_settings(), item.urgency)
    db.session.flush()
    due.mark_due(DUE_KIND, item.claim_deadline)
    events.notify_staff("work_new", on_duty_accountant_ids(), item)
    if item.price_cents:
        signals.order_placed.send(
            current_app._get_current_object(),
            item_id=item.id,
            client_company_id=item.client_company_id,
            amount_cents=item.price_cents,
            currency=item.currency,
        )
    schedule_timeout_after_commit(item.id, item.claim_deadline)


def schedule_timeout_after_commit(item_id: int, deadline) -> None:
    """Schedule the deadline job at ``deadline`` once this transaction commits.

    If scheduling fails, the minute sweep still finds the item by its deadline column.
    """
    slug = current_tenant().slug
    enqueue_after_commit(
        DEADLINES_QUEUE,
        CLAIM_DEADLINE_JOB,
        slug,
        item_id,
        at=deadline,
        job_id=f"claim-timeout-{slug}-{item_id}",
    )


def lock_person(user_id: int) -> None:
    """Serialize one person's claims in this firm, so capacity is never overrun."""
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:schema), :uid)"),
        {"schema": current_tenant().schema_name, "uid": user_id},
    )


def take_if_unclaimed(item_id: int, user_id: int, now, due_only: bool = False) -> bool:
    """The one conditional UPDATE that hands a pool item to someone; True if it won."""
    query = update(WorkItem).where(WorkItem.id == item_id, WorkItem.in_pool)
    if due_only:
        query = query.where(WorkItem.claim_deadline <= now, WorkItem.escalated_at.is_(None))
    won = db.session.execute(
        query.values(state="assigned", assignee_id=user_id, claimed_at=now, last_progress_at=now)
        .returning(WorkItem.id)
        .execution_options(synchronize_session=False)
    ).first()
    if won is not None:
        mark_progress_due(now)
    return won is not None


def mark_progress_due(now) -> None:
    """An item was (re)assigned at ``now``: its "no progress" reminder falls due later."""
    due.mark_due(DUE_KIND, now + timedelta(hours=get_settings().stale_after_hours))


def claim_item(item_id: int, user, now=None) -> WorkItem:
    """An on-duty accountant below capacity takes a pool item; exactly one claimer wins."""
    now = now or utcnow()
    if user.role != ACCOUNTANT:
        raise WorkError(_("Only accountants claim work from the pool."))
    lock_person(user.id)
    if not is_on_duty(user.id):
        raise WorkError(_("You are off duty. Go on duty to claim work."))
    limit = capacity_of(user.id)
    if open_count(user.id) >= limit:
        raise WorkError(
            _("You already hold %(n)d open items, your limit. Finish one first.", n=limit)
        )
    if not take_if_unclaimed(item_id, user.id, now):
        raise WorkError(_("Someone else claimed this item first."))
    item = db.session.get(WorkItem, item_id, populate_existing=True)
    item.add_entry(
        "event", event="claimed", author_id=user.id, from_state="new", to_state="assigned"
    )
    events.notify_client("work_claimed", item, name=user.name)
    db.session.commit()  # ends the person lock and the item's change of hands now, one claim each
    return item


def assignable_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.role not in (ACCOUNTANT, *MANAGERS):
        raise WorkError(_("Choose a member of staff."))
    return user


def assign_items(item_ids, assignee_id: int, by, now=None) -> int:
    """A manager assigns or reassigns open items (bulk); returns how many changed hands."""
    now = now or utcnow()
    assignee = assignable_user(assignee_id)
    items = db.session.scalars(
        select(WorkItem)
        .where(WorkItem.id.in_(list(item_ids)))
        .with_for_update()
        .order_by(WorkItem.id)
    ).all()
    changed = 0
    for item in items:
        if (
            not item.is_open
            or item.approval in ("pending", "rejected")
            or item.assignee_id == assignee.id
        ):
            continue
        previous = item.assignee_id
        item.add_entry(
            "event",
            event="reassigned" if previous else "assigned",
            author_id=by.id,
            from_state=item.state,
            to_state="assigned" if item.state == "new" else item.state,
            details={"from": previous, "to": assignee.id},
        )
        item.assignee_id = assignee.id
        if item.state == "new":
            item.state, item.claimed_at = "assigned", now
        item.last_progress_at, item.reminded_at, item.stale_escalated_at = now, None, None
        record_audit(
            "work_assigned", "work_item", item.id, actor=by, to=assignee.id, previous=previous
        )
        events.notify_staff("work_assigned", [assignee.id], item)
        events.notify_client("work_claimed", item, name=assignee.name)
        changed += 1
    if changed:
        mark_progress_due(now)
    if not items:
        raise WorkError(_("No such items."))
    return changed


def decide_approval(item: WorkItem, approve: bool, by, now=None) -> WorkItem:
    """A manager approves a large order (it enters the pool) or rejects it (cancelled)."""
    now = now or utcnow()
    item.lock()
    if item.approval != "pending":
        raise WorkError(_("This order does not wait for approval."))
    record_audit(
        "order_approved" if approve else "order_rejected",
        "work_item",
        item.id,
        actor=by,
        amount_cents=item.price_cents,
        currency=item.currency,
    )
    item.add_entry(
        "event",
        event="approved" if approve else "rejected",
        author_id=by.id,
        to_state=None if approve else "cancelled",
    )
    if approve:
        item.approval = "approved"
        open_for_claims(item, now)
    else:
        item.approval, item.state = "rejected", "cancelled"
        events.notify_client("work_rejected", item)
    return item


# --- timeouts -------------------------------------------------------------------------------


def due_item_ids(now, limit: int = 500) -> list[int]:
    """Pool items past their deadline that no timeout has handled yet."""
    return list(
        db.session.scalars(
            select(WorkItem.id)
            .where(
                WorkItem.in_pool, WorkItem.claim_deadline <= now, WorkItem.escalated_at.is_(None)
            )
            .order_by(WorkItem.claim_deadline)
            .limit(limit)
        )
    )


def candidates_for(item: WorkItem, settings) -> list[dict]:
    """Accountants to try for an unclaimed item, best first; empty means escalate."""
    if settings.timeout_policy == "escalate":
        return []
    eligible = eligible_staff(settings)  # on duty, below capacity, least loaded first
    if settings.timeout_policy == "round_robin":
        last = settings.round_robin_last_id or 0
        ordered = sorted(eligible, key=lambda s: s["user"].id)
        return [s for s in ordered if s["user"].id > last] + [
            s for s in ordered if s["user"].id <= last
        ]
    if settings.timeout_policy == "dedicated_first":
        dedicated = item.company.dedicated_accountant_id
        return sorted(eligible, key=lambda s: s["user"].id != dedicated)  # stable: keeps load order
    return eligible


def apply_timeout(item_id: int, now=None) -> str | None:
    """Handle one item at its deadline: assign by the firm's policy, else escalate.

    Returns "assigned", "escalated" or None when there was nothing to do
    (claimed meanwhile, handled already, not due yet).
    """
    now = now or utcnow()
    item = db.session.get(WorkItem, item_id)
    if item is None:
        return None
    settings = get_settings()
    if settings.timeout_policy == "round_robin":
        settings = get_settings(lock=True)  # one turn at a time
    for staff in candidates_for(item, settings):
        user = staff["user"]
        lock_person(user.id)
        if open_count(user.id) >= staff["capacity"] or not is_on_duty(user.id):
            continue  # filled up or went off duty since the list was read
        if not take_if_unclaimed(item_id, user.id, now, due_only=True):
            db.session.rollback()
            return None
        db.session.refresh(item)
        item.add_entry(
            "event",
            event="auto_assigned",
            from_state="new",
            to_state="assigned",
            details={"to": user.id, "policy": settings.timeout_policy},
        )
        if settings.timeout_policy == "round_robin":
            settings.round_robin_last_id = user.id
        events.notify_staff("work_assigned", [user.id], item)
        events.notify_client("work_claimed", item, name=user.name)
        db.session.commit()  # one item per transaction: the person and settings locks end here
        return "assigned"
    return escalate_unclaimed(item, now)


def escalate_unclaimed(item: WorkItem, now) -> str | None:
    """Mark an unclaimed item escalated (once) and tell the managers; commits that one item."""
    marked = db.session.execute(
        update(WorkItem)
        .where(
            WorkItem.id == item.id,
            WorkItem.in_pool,
            WorkItem.claim_deadline <= now,
            WorkItem.escalated_at.is_(None),
        )
        .values(escalated_at=now)
        .returning(WorkItem.id)
        .execution_options(synchronize_session=False)
    ).first()
    if marked is None:
        db.session.rollback()
        return None
    item.add_entry("event", event="escalated", internal=True)
    events.notify_staff("work_escalated", events.manager_ids(), item)
    db.session.commit()  # one item per transaction, like apply_timeout
    return "escalated"


def add_events(item_ids: list[int], event: str) -> None:
    """One internal timeline line ``event`` on each item, in one INSERT."""
    table = WorkEntry.__table__
    db.session.execute(
        table.insert().values(
            [
                {"work_item_id": i, "kind": "event", "event": event, "internal": True}
                for i in item_ids
            ]
        )
    )


def notify_about(event: str, rows, recipients) -> None:
    """One notice per (item id, title) row; ``recipients(row)`` gives its user ids."""
    events.notify_staff_many(event, [(recipients(row), row.id, row.title) for row in rows])


def escalate_due(now, batch: int | None = None) -> int:
    """The "escalate" policy for every due pool item, ``batch`` items per transaction.

    The conditional UPDATE marks each item once however many sweeps run (rows a
    claim holds are skipped: the claim decides them); the timeline lines and the
    managers' notices are inserted for exactly the rows it returned.
    """
    due_pool = (WorkItem.in_pool, WorkItem.claim_deadline <= now, WorkItem.escalated_at.is_(None))
    managers = events.manager_ids()
    batch = batch or current_app.config["WORK_SWEEP_BATCH"]
    total = 0
    while True:
        picked = (
            select(WorkItem.id)
            .where(*due_pool)
            .order_by(WorkItem.claim_deadline)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        rows = db.session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(picked), *due_pool)
            .values(escalated_at=now)
            .returning(WorkItem.id, WorkItem.title)
            .execution_options(synchronize_session=False)
        ).all()
        if not rows:
            return total
        add_events([r.id for r in rows], "escalated")
        notify_about("work_escalated", rows, lambda _row: managers)
        db.session.commit()  # per batch: no row lock is held across batches
        total += len(rows)


def mark_stale(column: str, cutoff, now, batch: int | None = None) -> int:
    """Remind the assignees (column reminded_at) or escalate to the managers
    (stale_escalated_at) of items without progress since ``cutoff``, each once, by batch."""
    col = getattr(WorkItem, column)
    reminder = column == "reminded_at"
    working = [
        col.is_(None),
        WorkItem.state.in_(("assigned", "in_progress")),
        WorkItem.last_progress_at <= cutoff,
    ]
    if not reminder:
        working.append(WorkItem.reminded_at <= cutoff)
    managers = [] if reminder else events.manager_ids()
    batch = batch or current_app.config["WORK_SWEEP_BATCH"]
    total = 0
    while True:
        picked = select(WorkItem.id).where(*working).limit(batch).with_for_update(skip_locked=True)
        rows = db.session.execute(
            update(WorkItem)
            .where(WorkItem.id.in_(picked), *working)
            .values({column: now})
            .returning(WorkItem.id, WorkItem.title, WorkItem.assignee_id)
            .execution_options(synchronize_session=False)
        ).all()
        if not rows:
            return total
        add_events([r.id for r in rows], "reminded" if reminder else "stale_escalated")
        notify_about(
            "work_reminder" if reminder else "work_stale",
            rows,
            (lambda row: [row.assignee_id]) if reminder else (lambda _row: managers),
        )
        db.session.commit()  # per batch, like escalate_due
        total += len(rows)


def choose_assignee(policy: str, staff: dict[int, dict], dedicated_id, last_id: int):
    """The accountant an unclaimed item goes to under ``policy`` (None: escalate), from
    ``staff`` (user id → on-duty accountant with "open" and "capacity"), as
    ``candidates_for`` orders them: least loaded first, the dedicated accountant first,
    or the next in turn after ``last_id``."""
    free = [uid for uid, s in staff.items() if s["open"] < s["capacity"]]
    if policy == "escalate" or not free:
        return None
    if policy == "round_robin":
        ordered = sorted(free)
        return next((uid for uid in ordered if uid > last_id), ordered[0])
    if policy == "dedicated_first" and dedicated_id in free:
        return dedicated_id
    return min(free, key=lambda uid: (staff[uid]["open"], uid))


def int_array(values: list[int]):
    """A list of ids as one ``integer[]`` parameter."""
    return cast(bindparam(None, values, type_=ARRAY(Integer)), ARRAY(Integer))


def assign_due(now, batch: int | None = None) -> dict[str, int]:
    """The assigning policies (least loaded, dedicated first, round robin) for every due pool
    item, ``batch`` items per transaction; an item nobody can take is escalated.

    Each batch locks the settings row (one sweep's turns at a time) and every on-duty
    accountant's claim lock, in id order as a single claim takes its one, so loads read
    then cannot change under it; then the due items (skipping those a claim holds), and
    plans the whole batch in memory, one choice after the other as ``apply_timeout``
    would. The item rows stay locked until the batch commits, so each goes to exactly
    one person; timeline lines and notices are inserted for the rows the UPDATE returned.
    """
    from yk_saas.bulk import insert_rows
    from yk_saas.clients.models import ClientCompany

    due_pool = (WorkItem.in_pool, WorkItem.claim_deadline <= now, WorkItem.escalated_at.is_(None))
    batch = batch or current_app.config["WORK_SWEEP_BATCH"]
    counts = {"assigned": 0, "escalated": 0}
    managers = events.manager_ids()
    while True:
        settings = get_settings(lock=True)
        locked = {s["user"].id for s in staff_load(settings) if s["on_duty"]}
        for uid in sorted(locked):
            lock_person(uid)
        # Read again under the locks; someone who came on duty meanwhile waits for the next batch.
        staff = {
            s["user"].id: s for s in staff_load(settings) if s["on_duty"] and s["user"].id in locked
        }
        rows = db.session.execute(
            select(
                WorkItem.id,
                WorkItem.title,
                WorkItem.client_company_id,
                ClientCompany.dedicated_accountant_id,
            )
            .join(ClientCompany, ClientCompany.id == WorkItem.client_company_id)
            .where(*due_pool)
            .order_by(WorkItem.claim_deadline, WorkItem.id)
            .limit(batch)
            .with_for_update(of=WorkItem, skip_locked=True)
        ).all()
        if not rows:
            db.session.commit()  # ends the locks of the last (empty) look
            return counts
        last = settings.round_robin_last_id or 0
        assigned, escalated = [], []
        for row in rows:
            uid = choose_assignee(settings.timeout_policy, staff, row.dedicated_accountant_id, last)
            if uid is None:
                escalated.append(row)
                continue
            assigned.append((row, uid))
            staff[uid]["open"] += 1
            last = uid
        if assigned:
            chosen = select(
                func.unnest(int_array([row.id for row, _ in assigned])).label("item_id"),
                func.unnest(int_array([uid for _, uid in assigned])).label("user_id"),
            ).subquery()
            items = WorkItem.__table__
            db.session.execute(
                update(items)
                .where(items.c.id == chosen.c.item_id)
                .values(
                    state="assigned",
                    assignee_id=chosen.c.user_id,
                    claimed_at=now,
                    last_progress_at=now,
                )
            )
            insert_rows(
                WorkEntry.__table__,
                [
                    {
                        "work_item_id": row.id,
                        "kind": "event",
                        "event": "auto_assigned",
                        "body": "",
                        "from_state": "new",
                        "to_state": "assigned",
                        "internal": False,
                        "details": {"to": uid, "policy": settings.timeout_policy},
                        "created_at": utcnow(),
                    }
                    for row, uid in assigned
                ],
            )
            events.notify_staff_many(
                "work_assigned", [([uid], r.id, r.title) for r, uid in assigned]
            )
            clients = events.company_user_ids_of({r.client_company_id for r, _ in assigned})
            events.notify_clients_many(
                "work_claimed",
                [
                    (clients.get(r.client_company_id, []), r.id, r.title, staff[uid]["user"].name)
                    for r, uid in assigned
                ],
            )
            if settings.timeout_policy == "round_robin":
                settings.round_robin_last_id = last
            mark_progress_due(now)
        if escalated:
            db.session.execute(
                update(WorkItem)
                .where(WorkItem.id.in_([r.id for r in escalated]))
                .values(escalated_at=now)
                .execution_options(synchronize_session=False)
            )
            add_events([r.id for r in escalated], "escalated")
            notify_about("work_escalated", escalated, lambda _row: managers)
        db.session.commit()  # per batch: the settings, claim and item locks end here
        counts["assigned"] += len(assigned)
        counts["escalated"] += len(escalated)


def sweep_timeouts_and_stale_work(now=None) -> dict[str, int]:
    """Handle every pool item past its claim deadline, then remind or escalate assigned items
    without progress, in the bound firm; safe to run again.

    Everything goes by batch: escalations, assignments by policy (planned a batch at a
    time under the people's claim locks) and reminders.
    """
    now = now or utcnow()
    counts = {"assigned": 0, "escalated": 0, "reminded": 0, "stale_escalated": 0}
    settings = get_settings()
    if settings.timeout_policy == "escalate":
        counts["escalated"] = escalate_due(now)
    else:
        counts.update(assign_due(now))
    cutoff = now - timedelta(hours=settings.stale_after_hours)
    counts["reminded"] = mark_stale("reminded_at", cutoff, now)
    counts["stale_escalated"] = mark_stale("stale_escalated_at", cutoff, now)
    return counts


def next_due(now=None):
    """When the bound firm next has a claim deadline or a "no progress" step due, or None."""
    hours = timedelta(hours=get_settings().stale_after_hours)
    working = WorkItem.state.in_(("assigned", "in_progress"))
    candidates = [
        select(func.min(WorkItem.claim_deadline)).where(
            WorkItem.in_pool, WorkItem.escalated_at.is_(None)
        ),
        select(func.min(WorkItem.last_progress_at)).where(working, WorkItem.reminded_at.is_(None)),
        select(func.min(func.greatest(WorkItem.last_progress_at, WorkItem.reminded_at))).where(
            working, WorkItem.reminded_at.is_not(None), WorkItem.stale_escalated_at.is_(None)
        ),
    ]
    times = [db.session.scalar(q) for q in candidates]
    due_times = [t for t in times[:1] if t] + [t + hours for t in times[1:] if t]
    return min(due_times, default=None)
