"""An idle platform: many firms with nothing to do, one ``worker.py``, marker jobs.

Shared by ``bench/idle_firms.py`` and ``tests/test_idle_platform.py``. The
worker runs as it does in production (periodic dispatcher on); every 10 s a
marker job is enqueued on each queue and its start delay (RQ's ``started_at``
minus ``enqueued_at``) is read back. A marker that never started counts as
waiting until the end of the run.
"""

import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from rq.worker import Worker
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tenants import db
from tenants.db import TENANT_SCHEMA, tenant_tables
from tenants.models import Domain, Tenant
from tenants.naming import quote_schema, schema_for_slug
from tenants.provision import stamp_schema
from tenants.resolve import resolver
from yk_saas.extensions import QUEUE_NAMES

ROOT = Path(__file__).resolve().parents[2]
MARKER_EVERY = 10.0
MARKER = "bench.markers.marker"
#: Queued jobs (all queues together) counted as a backlog.
BACKLOG = 50


def provision_idle_firms(count: int, prefix: str, domain: str) -> int:
    """Make sure firms ``<prefix>0000`` … exist (schema, tables, stamp, registry rows).

    Returns how many were new. Firms of an earlier run are kept, and new ones
    are made by replaying the tables' DDL captured once (what provisioning
    creates, without the per-firm compile): a thousand take minutes otherwise.
    """
    wanted = [f"{prefix}{i:04d}" for i in range(count)]
    have = set(db.session.scalars(select(Tenant.slug).where(Tenant.slug.in_(wanted))))
    db.session.rollback()
    missing = [slug for slug in wanted if slug not in have]
    if missing:
        ddl = captured_tenant_ddl()
        for slug in missing:
            copy_firm(slug, ddl, domain)
        resolver.invalidate()
    return len(missing)


SCRATCH = "t_idle_ddl_capture"


def captured_tenant_ddl() -> str:
    """The statements that create a firm's tables, for the schema ``SCRATCH`` (rolled back)."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with db.engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql(f"CREATE SCHEMA {SCRATCH}")
        event.listen(conn, "before_cursor_execute", capture)
        conn = conn.execution_options(schema_translate_map={TENANT_SCHEMA: SCRATCH})
        db.metadata.create_all(conn, tables=tenant_tables(), checkfirst=False)
        conn.rollback()
    return ";\n".join(statements)


def copy_firm(slug: str, ddl: str, domain: str) -> None:
    schema = schema_for_slug(slug)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {quote_schema(schema)}")
        # No parameters: psycopg sends the whole script in one round trip.
        conn.connection.driver_connection.execute(ddl.replace(SCRATCH, quote_schema(schema)))
        head = stamp_schema(conn, schema)
        with Session(bind=conn) as session:
            tenant = Tenant(slug=slug, name=f"Idle {slug}", schema_name=schema, schema_version=head)
            tenant.domains.append(Domain(host=f"{slug}.{domain}", is_primary=True, verified=True))
            session.add(tenant)
            session.flush()


def suspend_other_firms(prefix: str) -> None:
    """Only the idle firms count: others in the database are left out of the sweeps."""
    db.session.execute(
        Tenant.__table__.update()
        .where(~Tenant.slug.startswith(prefix), Tenant.status != "suspended")
        .values(status="suspended")
    )
    db.session.commit()


@dataclass
class IdleFigures:
    firms: int
    seconds: float
    processes: int
    jobs: int = 0
    markers_run: int = 0
    #: Seconds into the run when the queues last held over ``BACKLOG`` jobs (None: never).
    backlog_until: float | None = None
    deepest: int = 0
    by_function: Counter = field(default_factory=Counter)
    cpu_percent: float = 0.0
    delays: dict[str, list[float]] = field(default_factory=dict)
    never_started: dict[str, int] = field(default_factory=dict)
    depth_at_end: dict[str, int] = field(default_factory=dict)

    @property
    def work_jobs(self) -> int:
        """Jobs executed other than the markers: what the platform itself cost."""
        return self.jobs - self.markers_run

    @property
    def jobs_per_second(self) -> float:
        return self.work_jobs / self.seconds

    def breakdown(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in self.by_function.most_common())

    def worst_delay(self) -> float:
        return max((max(d) for d in self.delays.values() if d), default=0.0)

    def rows(self) -> list[tuple[str, str]]:
        rows = [
            ("idle firms", str(self.firms)),
            ("run", f"{self.seconds:.0f} s, one worker.py, {self.processes} processes"),
            ("jobs executed", f"{self.work_jobs} ({self.jobs_per_second:.2f} jobs/s)"),
            ("marker jobs executed (not counted above)", str(self.markers_run)),
            ("jobs by function", self.breakdown()),
            ("CPU of the worker processes", f"{self.cpu_percent:.1f} % of one core"),
        ]
        for name in QUEUE_NAMES:
            delays = self.delays.get(name, [])
            median = statistics.median(delays) if delays else 0.0
            worst = max(delays, default=0.0)
            waiting = self.never_started.get(name, 0)
            summary = f"median {median:.2f} s, max {worst:.2f} s, {len(delays)} markers"
            rows.append((f"marker on {name}: start delay", f"{summary}, {waiting} never started"))
        rows.append(("worst marker wait", f"{self.worst_delay():.2f} s"))
        backlog = "never" if self.backlog_until is None else f"{self.backlog_until:.0f} s"
        rows.append(("most jobs queued at once (all queues)", str(self.deepest)))
        rows.append((f"over {BACKLOG} jobs queued until", backlog))
        depths = ", ".join(f"{n} {self.depth_at_end.get(n, 0)}" for n in QUEUE_NAMES)
        rows.append(("queue depth at the end", depths))
        return rows


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def cpu_ticks(pids: list[int]) -> int:
    """User plus system clock ticks of these processes (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def executed_jobs(conn: Redis) -> int:
    return sum(w.successful_job_count + w.failed_job_count for w in Worker.all(connection=conn))


def run_idle(env: dict, redis_url: str, seconds: float, processes: int, firms: int) -> IdleFigures:
    """Run ``worker.py`` for ``seconds`` against the database of ``env``; returns the figures."""
    conn = Redis.from_url(redis_url)
    conn.flushdb()
    worker = subprocess.Popen(
        [sys.executable, "worker.py", "--processes", str(processes)],
        cwd=ROOT,
        env={**os.environ, **env, "REDIS_URL": redis_url, "RQ_BURST": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_workers(conn, processes, worker)
        return measure(conn, worker.pid, seconds, processes, firms)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for_workers(conn: Redis, processes: int, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while len(Worker.all(connection=conn)) < processes:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("worker.py did not start its job processes")
        time.sleep(0.2)


def measure(conn: Redis, pid: int, seconds: float, processes: int, firms: int) -> IdleFigures:
    queues = {name: Queue(name, connection=conn) for name in QUEUE_NAMES}
    markers: list[Job] = []
    ticks0, jobs0, start = cpu_ticks(process_tree(pid)), executed_jobs(conn), time.monotonic()
    next_marker, backlog_seen, deepest = start, None, 0
    while (now := time.monotonic()) < start + seconds:
        if now >= next_marker:
            for q in queues.values():
                markers.append(q.enqueue(MARKER, result_ttl=3600))
            next_marker += MARKER_EVERY
        depth = sum(q.count for q in queues.values())
        deepest = max(deepest, depth)
        if depth > BACKLOG:
            backlog_seen = now - start
        time.sleep(min(0.2, max(0.0, next_marker - now)))
    elapsed = time.monotonic() - start
    ticks = cpu_ticks(process_tree(pid)) - ticks0
    figures = IdleFigures(firms=firms, seconds=elapsed, processes=processes)
    figures.jobs = executed_jobs(conn) - jobs0
    figures.backlog_until, figures.deepest = backlog_seen, deepest
    figures.cpu_percent = 100.0 * ticks / os.sysconf("SC_CLK_TCK") / elapsed
    figures.depth_at_end = {name: q.count for name, q in queues.items()}
    read_markers(conn, markers, figures)
    figures.markers_run = sum(len(d) for d in figures.delays.values()) - sum(
        figures.never_started.values()
    )
    figures.by_function = executed_by_function(conn)
    return figures


def executed_by_function(conn: Redis) -> Counter:
    """Jobs that ended (finished or failed) by function, markers left out, since the worker
    started (a job or two before the measured window included). Each queue's registries
    keep a job for its result time (500 s by default): enough for a 5-min run."""
    counts = Counter()
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=conn)
        for registry in (FinishedJobRegistry(queue=queue), FailedJobRegistry(queue=queue)):
            for job in Job.fetch_many(registry.get_job_ids(), connection=conn):
                if job is not None and job.func_name != MARKER:
                    counts[job.func_name.rsplit(".", 1)[-1]] += 1
    return counts


def read_markers(conn: Redis, markers: list[Job], figures: IdleFigures) -> None:
    now = time.time()
    for job in markers:
        job.refresh()
        name = job.origin
        enqueued = job.enqueued_at.timestamp()
        if job.started_at is None:
            figures.never_started[name] = figures.never_started.get(name, 0) + 1
            delay = now - enqueued
        else:
            delay = job.started_at.timestamp() - enqueued
        figures.delays.setdefault(name, []).append(delay)
