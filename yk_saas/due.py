"""The platform-wide index of due background work: ``public.due_work``.

One row per (firm, kind) holds when that firm next has work of that kind.
Firm code marks work due in the same transaction as the rows that make it
due (``mark_due``; an upsert that keeps the earliest time). A tick every
minute reads the rows that are due, one indexed query, and enqueues a job for
each; a firm with nothing due costs nothing. Each job ends with ``reschedule``,
which writes the firm's next due time, computed from its own tables after its
work, unless someone marked new work meanwhile (the row's version changed):
then the row stays due and the next tick runs the job once more.

The safety net for a missed mark: each tick also marks every kind due for the
firms of its slice of the day (``slice_of(tenant_id)`` = the minute of the day),
so each firm's every kind runs at least once a day, spread evenly over the day
instead of all firms at once: 1,000 firms cost 7,000 jobs a day (0.08 jobs/s),
not a burst.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from redis import Redis
from sqlalchemy.dialects.postgresql import insert

from tenants import current_tenant, db
from tenants.jobs import platform_job
from tenants.models import Tenant
from yk_saas.extensions import queue
from yk_saas.models_base import utcnow

due_work = sa.Table(
    "due_work",
    sa.MetaData(),
    sa.Column("tenant_id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
    schema="public",
)


@dataclass(frozen=True)
class DueKind:
    kind: str
    target: str  # dotted path of a tenant job taking no argument but the slug
    queue: str


#: The kinds of work the index drives (the daily slice of ``tick`` is their safety net).
DUE_KINDS = {
    spec.kind: spec
    for spec in (
        DueKind("claims", "yk_saas.work.jobs.sweep_claim_timeouts_and_stale_work", "deadlines"),
        DueKind("billing", "yk_saas.billing.jobs.billing_run", "low"),
        DueKind("complaint-followups", "yk_saas.feedback.jobs.send_complaint_followups", "default"),
        DueKind("followup-reminders", "yk_saas.feedback.jobs.send_followup_reminders", "default"),
        DueKind("surveys", "yk_saas.feedback.jobs.send_satisfaction_surveys", "default"),
        DueKind("ledger-reminders", "yk_saas.ledgers.jobs.send_ledger_reminders", "default"),
        DueKind("mail", "yk_saas.mail.jobs.requeue_stuck_mail", "default"),
        DueKind("dunning", "yk_saas.billing.jobs.dunning_pass", "default"),
    )
}

#: The day is cut in this many slices (one a minute) for the safety net.
SLICES_PER_DAY = 1440
#: Coprime with SLICES_PER_DAY: consecutive firm ids fall in minutes far apart, so a few
#: hundred firms are spread over the whole day, and any 1,440 consecutive ids one a minute.
SLICE_STRIDE = 997
#: Work due on a calendar day (surveys, ledger reminders) starts within this many seconds
#: after midnight, by firm, so that a thousand firms do not all start at once.
SPREAD_SECONDS = 3600

#: A (firm, kind) enqueued by a tick is not enqueued again for this long.
ENQUEUED_FOR_SECONDS = 300


def mark_due(kind: str, due_at: datetime, tenant_id: int | None = None) -> None:
    """The bound firm has ``kind`` work due at ``due_at`` (the earlier time wins)."""
    tenant_id = current_tenant().id if tenant_id is None else tenant_id
    _upsert_earliest(insert(due_work).values(tenant_id=tenant_id, kind=kind, due_at=due_at))


def mark_due_now(kind: str) -> None:
    """The bound firm has ``kind`` work to look at now."""
    mark_due(kind, utcnow())


def _upsert_earliest(stmt) -> int:
    """Run an INSERT of due_work rows; a row that exists keeps the earlier time."""
    result = db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant_id", "kind"],
            set_={
                "due_at": sa.func.least(due_work.c.due_at, stmt.excluded.due_at),
                "version": due_work.c.version + 1,
            },
        )
    )
    return result.rowcount


def read_due(kind: str) -> int | None:
    """The version of the bound firm's row for ``kind`` (None when there is none).

    A job reads it before its work and gives it to ``reschedule`` after.
    """
    return db.session.scalar(
        sa.select(due_work.c.version).where(
            due_work.c.tenant_id == current_tenant().id, due_work.c.kind == kind
        )
    )


def reschedule(kind: str, version: int | None, next_due: datetime | None) -> None:
    """After a job's work: the firm's next due time for ``kind``, or no row when none.

    Only the row as the job read it is changed; a row marked since keeps its
    (earlier) time, so the job runs again rather than losing the new work.
    """
    tenant_id = current_tenant().id
    row = (due_work.c.tenant_id == tenant_id) & (due_work.c.kind == kind)
    if version is not None:
        if next_due is None:
            db.session.execute(sa.delete(due_work).where(row, due_work.c.version == version))
        else:
            db.session.execute(
                sa.update(due_work)
                .where(row, due_work.c.version == version)
                .values(due_at=next_due, version=due_work.c.version + 1)
            )
    elif next_due is not None:  # run by the safety net for a firm the index had lost
        mark_due(kind, next_due, tenant_id)


def run_due_job(kind: str, work: Callable[[], object], next_due: Callable[[], datetime | None]):
    """The body of a firm's job of ``kind``: ``work()``, then ``next_due()`` into the index.

    The version is read before the work, so a mark made while it runs keeps
    the row due (``reschedule``). ``work`` may commit; ``next_due`` reads the
    firm's own tables after it. Returns what ``work`` returned.
    """
    version = read_due(kind)
    result = work()
    reschedule(kind, version, next_due())
    # Committed before the tick may enqueue the job again: else it would see the old due row.
    db.session.commit()
    job_done(queue().connection, kind)
    return result


def start_of_day(day: date, zone=UTC) -> datetime:
    """Midnight at the start of ``day`` in ``zone``, as an aware UTC time."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def spread(when: datetime, tenant_id: int | None = None) -> datetime:
    """``when`` moved later by up to ``SPREAD_SECONDS``, the same for a firm every time."""
    tenant_id = current_tenant().id if tenant_id is None else tenant_id
    return when + timedelta(seconds=tenant_id % SPREAD_SECONDS)


def slice_of(tenant_id: int) -> int:
    """The minute of the day when the safety net marks this firm's every kind due."""
    return tenant_id * SLICE_STRIDE % SLICES_PER_DAY


def mark_slice_due(now: datetime | None = None) -> int:
    """Safety net: every kind due now for the active firms of this minute's slice of the day."""
    now = now or utcnow()
    minute = now.hour * 60 + now.minute
    in_slice = sa.cast(Tenant.id, sa.BigInteger) * SLICE_STRIDE % SLICES_PER_DAY == minute
    marked = 0
    for kind in DUE_KINDS:
        firms = sa.select(Tenant.id, sa.literal(kind), sa.literal(now)).where(
            in_slice, Tenant.status != "suspended"
        )
        marked += _upsert_earliest(
            insert(due_work).from_select(["tenant_id", "kind", "due_at"], firms)
        )
    return marked


def due_now(now: datetime | None = None) -> list[tuple[str, str]]:
    """(slug, kind) of every active firm with work due: one indexed query."""
    now = now or utcnow()
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(Tenant.slug, due_work.c.kind)
            .join(Tenant, Tenant.id == due_work.c.tenant_id)
            .where(due_work.c.due_at <= now, Tenant.status != "suspended")
            .order_by(due_work.c.due_at)
        )
    ]


def enqueue_due_work(conn: Redis, now: datetime | None = None) -> int:
    """Enqueue one job per (firm, kind) that is due and not enqueued already."""
    count = 0
    for slug, kind in due_now(now):
        spec = DUE_KINDS.get(kind)
        if spec is None:
            continue
        if conn.set(f"yk:due:{slug}:{kind}", 1, nx=True, ex=ENQUEUED_FOR_SECONDS):
            queue(spec.queue).enqueue(spec.target, slug)
            count += 1
    db.session.rollback()  # a read only: end the transaction, hold nothing
    return count


def job_done(conn: Redis, kind: str) -> None:
    """Let the next tick enqueue the bound firm's ``kind`` again if it is still due."""
    conn.delete(f"yk:due:{current_tenant().slug}:{kind}")


@platform_job
def tick() -> int:
    """Periodic (every minute): this minute's safety-net slice, then the jobs of the firms
    with work due."""
    mark_slice_due()
    db.session.commit()
    return enqueue_due_work(queue().connection)
