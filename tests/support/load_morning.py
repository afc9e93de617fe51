"""A busy morning: many firms at once against gunicorn and a real RQ worker, then a reconciliation.

Every firm gets an admin, accountants and client companies. The office opens: every
simulated person signs in through the real ``/login`` form (CSRF token, host-bound session
cookie, one session per person). Then, for ``--minutes``, they work as on a busy morning,
each pausing ``--think`` seconds on average between actions:

- clients browse the portal, file requests (some with a PDF), follow them and reply when
  their accountant waits on them;
- accountants watch the claim pool, claim items (racing each other), open their work and
  post progress until items are done;
- admins read the board with its filters, the dashboard cards and the staff page.

The web app runs under gunicorn (``--web-workers`` sync workers) and ``python worker.py``
(``--job-workers`` processes) runs the jobs: notification e-mails and their delivery, claim timeouts (urgent items time out after
one minute; half of the firms auto-assign them, the others escalate) and periodic sweeps.
Sign-in rate limits stay on: each firm sees fewer sign-ins than its limit.

Afterwards the worker is given time to empty its queues and the database is reconciled
with what the load client was told: every filing, claim, progress note and reply that got
a success exists exactly once, every claimed item has one winner, every item's state is
the end of its timeline, every e-mail notification has its one message and no job failed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/13 \\
        python bench/load_morning.py --firms 50 --minutes 3 [--write-readme]

Uses its own database (``--db``, default ``yk_load``, recreated) and the Redis database of
``REDIS_URL`` (flushed). ``tests/test_load.py`` runs the same scenario small; ``bench/load_morning.py`` runs it from the command line.
"""

import argparse
import heapq
import itertools
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from yk_saas.extensions import QUEUE_NAMES as QUEUES

PASSWORD = "Load-pass-2026"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

#: Every endpoint the scenario uses, as it is named in the results.
ENDPOINTS = [
    "GET /login",
    "POST /login",
    "GET /portal/",
    "GET /portal/work/",
    "GET /portal/work/?state= (htmx)",
    "GET /portal/work/new",
    "POST /portal/work/new",
    "GET /portal/work/<id>",
    "GET /portal/work/<id>/timeline (htmx)",
    "POST /portal/work/<id>/reply",
    "GET /desk/",
    "GET /desk/work/pool",
    "GET /desk/work/pool (htmx)",
    "POST /desk/work/<id>/claim",
    "GET /desk/work/mine",
    "GET /desk/work/<id>",
    "POST /desk/work/<id>/progress",
    "GET /desk/work/<id>/timeline (htmx)",
    "GET /desk/work/board",
    "GET /desk/work/board?filters (htmx)",
    "GET /desk/work/cards/states",
    "GET /desk/work/cards/claim-time",
    "GET /desk/work/duty-capacity",
]
#: Endpoints that write work: a success here must be found in the database afterwards.
WRITES = {
    "POST /portal/work/new",
    "POST /portal/work/<id>/reply",
    "POST /desk/work/<id>/claim",
    "POST /desk/work/<id>/progress",
}


# --- the firms ------------------------------------------------------------------------------


@dataclass
class FirmPlan:
    slug: str
    host: str
    locale: str
    policy: str
    admin: str
    accountants: list[str]
    clients: list[str]


def provision(
    app,
    count: int,
    prefix: str = "lf",
    accountants: int = 3,
    clients: int = 4,
    urgent_minutes: int = 1,
) -> list[FirmPlan]:
    """``count`` firms through the real signup (schema, seeders, owner), then their people.

    Everyone shares one password hash (Argon2 on purpose costs ~50 ms each). Urgent items
    time out after ``urgent_minutes``: even firms auto-assign them, odd firms escalate.
    """
    from tenants import db, tenant_context
    from yk_saas.accounts.models import User
    from yk_saas.accounts.passwords import hash_password
    from yk_saas.clients.models import ClientCompany
    from yk_saas.platform.services import FirmSignup, firm_host, signup_firm
    from yk_saas.work.settings import get_settings

    shared_hash = hash_password(PASSWORD)
    plans = []
    with app.app_context():
        for n in range(count):
            slug = f"{prefix}{n:02d}"
            locale = "zh_CN" if n % 2 == 0 else "en"
            policy = "least_loaded" if n % 2 == 0 else "escalate"
            signup_firm(
                FirmSignup(
                    firm_name=f"Morning Firm {n}",
                    slug=slug,
                    owner_name=f"Owner {n}",
                    email=f"owner@{slug}.example.com",
                    password=PASSWORD,
                    locale=locale,
                )
            )
            plan = FirmPlan(
                slug,
                firm_host(slug),
                locale,
                policy,
                f"admin@{slug}.example.com",
                [f"acc{i}@{slug}.example.com" for i in range(accountants)],
                [f"client{i}@{slug}.example.com" for i in range(clients)],
            )
            with tenant_context(slug):
                people = [
                    User(
                        email=plan.admin, name=f"Admin {n}", role="admin", password_hash=shared_hash
                    )
                ]
                people += [
                    User(
                        email=e,
                        name=f"Accountant {n}.{i}",
                        role="accountant",
                        password_hash=shared_hash,
                    )
                    for i, e in enumerate(plan.accountants)
                ]
                companies = [ClientCompany(name=f"Client Co {n}.{i}") for i in range(clients)]
                db.session.add_all(people + companies)
                db.session.flush()
                db.session.add_all(
                    [
                        User(
                            email=e,
                            name=f"Client {n}.{i}",
                            role="client",
                            password_hash=shared_hash,
                            client_company_id=companies[i].id,
                        )
                        for i, e in enumerate(plan.clients)
                    ]
                )
                settings = get_settings()
                settings.timeout_policy, settings.timeout_urgent_minutes = policy, urgent_minutes
                db.session.commit()
            plans.append(plan)
    return plans


# --- the servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_environment(database_url: str, redis_url: str, platform: str, storage: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PLATFORM_DOMAIN": platform,
        "STORAGE_DIR": storage,
        "SMTP_HOST": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("RQ_BURST", "SMS_WEBHOOK_URL", "STRIPE_SECRET_KEY"):
        env.pop(name, None)
    return env


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its reaped children, from /proc (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _group_cpu_seconds(pgid: int) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    total += _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return total


class Stack:
    """gunicorn and ``worker.py`` processes in process groups of their own, stopped whatever happens."""

    def __init__(
        self, env: dict, web_workers: int = 4, job_workers: int = 1, log_dir: Path | None = None
    ):
        self.env, self.web_workers, self.job_workers = env, web_workers, job_workers
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="yk-load-logs-"))
        self.port = free_port()
        self.web, self.workers, self.logs = None, [], []

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.logs = [(self.log_dir / "web.log").open("w")]
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.web_workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "yk_saas:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=self.logs[0],
        )
        for n in range(self.job_workers):
            self.logs.append((self.log_dir / f"worker{n}.log").open("w"))
            self.workers.append(
                subprocess.Popen(
                    [sys.executable, "worker.py"],
                    cwd=ROOT,
                    env=self.env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=self.logs[-1],
                )
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"gunicorn or worker.py stopped at start-up:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def cpu_seconds(self) -> dict[str, float]:
        return {
            "web": _group_cpu_seconds(self.web.pid) if self.web else 0.0,
            "worker": sum(_group_cpu_seconds(w.pid) for w in self.workers),
        }

    def alive(self) -> bool:
        procs = [self.web, *self.workers]
        return all(p is not None and p.poll() is None for p in procs)

    def stop(self) -> None:
        """SIGTERM to gunicorn's master and the workers (each finishes its job), then clear the groups."""
        procs = [p for p in (self.web, *self.workers) if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            try:  # whatever is left of the group: gunicorn workers, a worker's work-horse
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if proc.poll() is None:
                proc.wait(timeout=10)
        for handle in self.logs:
            handle.close()
        self.logs = []

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            text = [
                line
                for line in path.read_text(errors="replace").splitlines()
                if " INFO " not in line
            ]
            out.append(f"--- {path.name}\n" + "\n".join(text[-lines:]))
        return "\n".join(out)

    def warm_up(self, host: str, seconds: float = 60) -> None:
        """Wait until every gunicorn worker has booted and answers a firm page quickly."""
        import requests

        def fetch(_):
            started = time.perf_counter()
            response = requests.get(
                f"http://127.0.0.1:{self.port}/login", headers={"Host": host}, timeout=60
            )
            response.raise_for_status()
            return time.perf_counter() - started

        from concurrent.futures import ThreadPoolExecutor

        deadline = time.monotonic() + seconds
        with ThreadPoolExecutor(self.web_workers) as pool:
            while time.monotonic() < deadline:
                if max(pool.map(fetch, range(self.web_workers * 2))) < 0.5:
                    return


# --- the load client ------------------------------------------------------------------------

CSRF_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')
CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)
CLAIM_FORM = re.compile(r'action="/desk/work/(\d+)/claim"')
DESK_ROW = re.compile(r'href="/desk/work/(\d+)">#\d+.*?class="badge state-(\w+)"', re.DOTALL)
PORTAL_ROW = re.compile(r'href="/portal/work/(\d+)">#\d+.*?class="badge state-(\w+)"', re.DOTALL)
DESK_LINK = re.compile(r'href="/desk/work/(\d+)"')
SUMMARY_STATE = re.compile(r'id="work-summary">\s*<p><span class="badge state-(\w+)"')
SELECT = r'<select[^>]*name="{}"[^>]*>(.*?)</select>'
OPTION = re.compile(r'<option[^>]*value="([^"]*)"')


class Failed(Exception):
    """A request did not get the answer the scenario expects; the action stops there."""


class Stats:
    """Latencies and outcomes per endpoint, and what the load client was told it wrote."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)  # endpoint → [ms]
        self.codes = defaultdict(Counter)  # endpoint → status → n
        self.errors = Counter()  # endpoint → 5xx and transport errors
        self.unexpected = Counter()  # endpoint → other statuses it should not get
        self.samples = []  # first few error descriptions
        self.records = defaultdict(list)
        self.phase, self.work_requests = "sign-in", 0

    def add(
        self, endpoint: str, status, ms: float, error: bool, unexpected: bool, detail: str = ""
    ) -> None:
        with self.lock:
            self.latency[endpoint].append(ms)
            self.codes[endpoint][status] += 1
            self.work_requests += self.phase == "work"
            if error:
                self.errors[endpoint] += 1
            if unexpected:
                self.unexpected[endpoint] += 1
            if (error or unexpected) and len(self.samples) < 20:
                self.samples.append(f"{endpoint} → {status} {detail}"[:300])

    def record(self, kind: str, *values) -> None:
        with self.lock:
            self.records[kind].append(values)

    def export(self) -> dict:
        return {
            "latency": dict(self.latency),
            "codes": {k: dict(v) for k, v in self.codes.items()},
            "errors": dict(self.errors),
            "unexpected": dict(self.unexpected),
            "samples": self.samples,
            "work_requests": self.work_requests,
            "records": {k: list(v) for k, v in self.records.items()},
        }


class Person:
    """One simulated person with their own session on their firm's host."""

    think_factor = 1.0

    def __init__(
        self, plan: FirmPlan, email: str, base: str, stats: Stats, think: float, rng: random.Random
    ):
        import requests

        self.plan, self.email, self.base, self.stats, self.rng = plan, email, base, stats, rng
        self.think = think
        self.http = requests.Session()
        self.http.trust_env = False
        self.signed_in = False
        self.csrf = None

    def pause(self) -> float:
        mean = self.think * self.think_factor
        return min(max(self.rng.expovariate(1 / mean), 0.2 * mean), 4 * mean)

    def call(self, method: str, path: str, endpoint: str, expect=(200,), htmx=False, **kw):
        import requests

        headers = {"Host": self.plan.host}
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST":
            headers["X-CSRFToken"] = self.csrf or ""
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, headers=headers, allow_redirects=False, timeout=60, **kw
            )
        except requests.RequestException as exc:
            self.stats.add(
                endpoint,
                "transport",
                (time.perf_counter() - started) * 1000,
                True,
                False,
                f"{type(exc).__name__}: {exc}",
            )
            raise Failed(endpoint) from exc
        ms = (time.perf_counter() - started) * 1000
        server_error = response.status_code >= 500
        unexpected = not server_error and response.status_code not in expect
        self.stats.add(
            endpoint,
            response.status_code,
            ms,
            server_error,
            unexpected,
            f"{self.plan.slug} {self.email} {method} {path} {response.headers.get('Location', '')}",
        )
        if server_error or unexpected:
            raise Failed(endpoint)
        if response.status_code == 200 and not htmx and self.csrf is None:
            found = CSRF_PAGE.search(response.text)
            if found:
                self.csrf = found.group(1)
        return response

    @staticmethod
    def location(response) -> str:
        return urlsplit(response.headers.get("Location", "")).path

    def sign_in(self) -> None:
        page = self.call("GET", "/login", "GET /login")
        token = CSRF_FIELD.search(page.text)
        self.csrf = next(g for g in token.groups() if g) if token else ""
        response = self.call(
            "POST",
            "/login",
            "POST /login",
            expect=(302,),
            data={"csrf_token": self.csrf, "email": self.email, "password": PASSWORD, "next": ""},
        )
        self.csrf = None  # a new session starts at sign-in, with a new token
        self.call(
            "GET",
            self.location(response),
            "GET /desk/" if self.location(response) == "/desk/" else "GET /portal/",
        )
        if self.csrf is None:
            raise Failed("no CSRF token after sign-in")
        self.signed_in = True

    def step(self) -> None:
        if not self.signed_in:
            self.sign_in()
        else:
            self.act()

    def act(self) -> None:
        """One action of a signed-in person; each kind of person (client, accountant, admin) has its own."""
        raise NotImplementedError


def choose(rng: random.Random, weighted: list[tuple[float, object]]):
    return rng.choices([w[1] for w in weighted], weights=[w[0] for w in weighted])[0]


class Client(Person):
    think_factor = 1.0

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.items: dict[int, str] = {}
        self.tour = [
            self.file,
            self.browse,
            self.follow,
            self.answer,
        ]  # first visit: a bit of everything

    def act(self) -> None:
        if self.tour:
            return self.tour.pop(0)()
        action = choose(
            self.rng,
            [(2, self.home), (3, self.browse), (4, self.follow), (2, self.file), (2, self.answer)],
        )
        action()

    def home(self) -> None:
        self.call("GET", "/portal/", "GET /portal/")

    def browse(self) -> None:
        page = self.call("GET", "/portal/work/", "GET /portal/work/")
        self.items.update((int(i), s) for i, s in PORTAL_ROW.findall(page.text))

    def follow(self) -> None:
        """Open one of my items (one that waits on me first); reply if I am asked for something."""
        if not self.items:
            return self.browse()
        waiting = [i for i, s in self.items.items() if s == "waiting_on_client"]
        item_id = self.rng.choice(waiting or list(self.items))
        page = self.call("GET", f"/portal/work/{item_id}", "GET /portal/work/<id>")
        if 'id="reply-form"' in page.text:
            return self.reply(item_id)
        self.items[item_id] = "seen"
        self.call(
            "GET",
            f"/portal/work/{item_id}/timeline",
            "GET /portal/work/<id>/timeline (htmx)",
            htmx=True,
        )

    def answer(self) -> None:
        """Filter my list on "waiting on me" and answer one."""
        page = self.call(
            "GET",
            "/portal/work/?state=waiting_on_client",
            "GET /portal/work/?state= (htmx)",
            htmx=True,
        )
        waiting = [int(i) for i, s in PORTAL_ROW.findall(page.text) if s == "waiting_on_client"]
        if waiting:
            item_id = self.rng.choice(waiting)
            if (
                'id="reply-form"'
                in self.call("GET", f"/portal/work/{item_id}", "GET /portal/work/<id>").text
            ):
                self.reply(item_id)

    def reply(self, item_id: int) -> None:
        body = f"LT reply {uuid.uuid4().hex}"
        try:
            response = self.call(
                "POST",
                f"/portal/work/{item_id}/reply",
                "POST /portal/work/<id>/reply",
                expect=(303, 422),
                data={"csrf_token": self.csrf, "body": body},
                files={"files": ("", b"", "application/octet-stream")},
            )
        except Failed:
            self.stats.record("uncertain_replies", self.plan.slug, body)
            raise
        if response.status_code == 303:
            self.stats.record("replies", self.plan.slug, item_id, body, self.email)
            self.items[item_id] = "in_progress"
        else:  # the accountant moved the item on meanwhile
            self.stats.record("replies_refused", self.plan.slug, item_id, body, self.email)

    def file(self) -> None:
        form = self.call("GET", "/portal/work/new", "GET /portal/work/new")
        found = re.search(SELECT.format("request_type"), form.text, re.DOTALL)
        types = [v for v in OPTION.findall(found.group(1)) if v] if found else []
        if not types:
            raise Failed("no request types on the form")
        title = f"LT {self.plan.slug} {uuid.uuid4().hex[:12]}"
        attached = self.rng.random() < 0.1
        upload = (
            ("receipt.pdf", PDF, "application/pdf")
            if attached
            else ("", b"", "application/octet-stream")
        )
        data = {
            "csrf_token": self.csrf,
            "title": title,
            "request_type": self.rng.choice(types),
            "description": "Please handle this morning.",
            "service_id": "0",
            "urgency": self.rng.choice(["urgent", "normal", "normal", "low"]),
        }
        try:
            response = self.call(
                "POST",
                "/portal/work/new",
                "POST /portal/work/new",
                expect=(303,),
                data=data,
                files={"files": upload},
            )
        except Failed:
            self.stats.record("uncertain_filings", self.plan.slug, title)
            raise
        match = re.fullmatch(r"/portal/work/(\d+)", self.location(response))
        if not match:
            self.stats.record("uncertain_filings", self.plan.slug, title)
            raise Failed("filing did not lead to the new item")
        self.stats.record("filed", self.plan.slug, self.email, title, int(match.group(1)), attached)
        self.items[int(match.group(1))] = "new"


class Accountant(Person):
    think_factor = 0.6

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.asked: set[int] = set()

    def act(self) -> None:
        mine = self.call("GET", "/desk/work/mine", "GET /desk/work/mine")
        open_items = [(int(i), s) for i, s in DESK_ROW.findall(mine.text)]
        workable = [i for i, s in open_items if s in ("assigned", "in_progress")]
        if workable and (len(workable) >= 3 or self.rng.random() < 0.5):
            return self.work_on(self.rng.choice(workable))
        if open_items and self.rng.random() < 0.1:
            return self.work_on(self.rng.choice(open_items)[0])
        self.claim_from_pool()

    def claim_from_pool(self) -> None:
        htmx = self.rng.random() < 0.5
        pool = self.call(
            "GET",
            "/desk/work/pool",
            "GET /desk/work/pool (htmx)" if htmx else "GET /desk/work/pool",
            htmx=htmx,
        )
        ids = [int(i) for i in CLAIM_FORM.findall(pool.text)]
        if not ids:
            return
        item_id = self.rng.choice(ids[:3])  # the most urgent ones: colleagues race for them too
        try:
            response = self.call(
                "POST",
                f"/desk/work/{item_id}/claim",
                "POST /desk/work/<id>/claim",
                expect=(303,),
                data={"csrf_token": self.csrf},
            )
        except Failed:
            self.stats.record("uncertain_claims", self.plan.slug, item_id, self.email)
            raise
        if self.location(response) == f"/desk/work/{item_id}":
            self.stats.record("claims_won", self.plan.slug, item_id, self.email)
            self.call("GET", f"/desk/work/{item_id}", "GET /desk/work/<id>")
        else:
            self.stats.record("claims_lost", self.plan.slug, item_id, self.email)

    def work_on(self, item_id: int) -> None:
        page = self.call("GET", f"/desk/work/{item_id}", "GET /desk/work/<id>")
        state = SUMMARY_STATE.search(page.text)
        options = re.search(SELECT.format("new_state"), page.text, re.DOTALL)
        if not state or not options:
            return
        state, allowed = state.group(1), [v for v in OPTION.findall(options.group(1)) if v]
        if state == "assigned" and "in_progress" in allowed:
            new_state = "in_progress"
        elif state == "in_progress" and item_id not in self.asked and self.rng.random() < 0.7:
            new_state = "waiting_on_client"  # most items need something from the client once
            self.asked.add(item_id)
        elif state == "in_progress":
            new_state = choose(self.rng, [(1, ""), (1, "done")])
        else:
            new_state = choose(self.rng, [(1, ""), (2, "done")])
        new_state = new_state if new_state in allowed else ""
        body = f"LT progress {uuid.uuid4().hex}"
        try:
            response = self.call(
                "POST",
                f"/desk/work/{item_id}/progress",
                "POST /desk/work/<id>/progress",
                expect=(303, 422),
                data={"csrf_token": self.csrf, "body": body, "new_state": new_state},
                files={"files": ("", b"", "application/octet-stream")},
            )
        except Failed:
            self.stats.record("uncertain_progress", self.plan.slug, body)
            raise
        if response.status_code == 303:
            self.stats.record("progress", self.plan.slug, item_id, body, new_state, self.email)
        else:
            self.stats.record(
                "progress_refused", self.plan.slug, item_id, body, new_state, self.email
            )
        if self.rng.random() < 0.3:
            self.call(
                "GET",
                f"/desk/work/{item_id}/timeline",
                "GET /desk/work/<id>/timeline (htmx)",
                htmx=True,
            )


class Admin(Person):
    think_factor = 1.5

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.tour = ["board", "filter", "states", "claim-time", "staff", "item", "home"]

    def act(self) -> None:
        rng = self.rng
        action = (
            self.tour.pop(0)
            if self.tour
            else choose(
                rng,
                [
                    (4, "board"),
                    (4, "filter"),
                    (2, "states"),
                    (2, "claim-time"),
                    (1, "staff"),
                    (2, "item"),
                    (1, "home"),
                ],
            )
        )
        if action == "board":
            self.call("GET", "/desk/work/board", "GET /desk/work/board")
        elif action == "filter":
            query = rng.choice(
                [
                    "overdue=1",
                    "state=new",
                    "state=in_progress",
                    "state=done",
                    "urgency=urgent",
                    "page=2",
                    "state=waiting_on_client&urgency=normal",
                ]
            )
            self.call(
                "GET", f"/desk/work/board?{query}", "GET /desk/work/board?filters (htmx)", htmx=True
            )
        elif action == "states":
            self.call("GET", "/desk/work/cards/states", "GET /desk/work/cards/states", htmx=True)
        elif action == "claim-time":
            self.call(
                "GET", "/desk/work/cards/claim-time", "GET /desk/work/cards/claim-time", htmx=True
            )
        elif action == "staff":
            self.call("GET", "/desk/work/duty-capacity", "GET /desk/work/duty-capacity")
        elif action == "home":
            self.call("GET", "/desk/", "GET /desk/")
        else:
            board = self.call("GET", "/desk/work/board", "GET /desk/work/board")
            ids = [int(i) for i in DESK_LINK.findall(board.text)]
            if ids:
                self.call("GET", f"/desk/work/{rng.choice(ids)}", "GET /desk/work/<id>")


def run_threads(threads: int, target) -> None:
    pool = [threading.Thread(target=target, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def guarded(person: "Person", action) -> None:
    try:
        action()
    except Failed:
        pass
    except Exception as exc:  # noqa: BLE001  (a bug of the load client must not stop the run)
        person.stats.add("load client", type(exc).__name__, 0.0, False, True, repr(exc))


def run_people(
    people: list[Person], seconds: float, threads: int, rng: random.Random
) -> tuple[float, float]:
    """Everyone signs in (the office opens), then each person acts, pauses, acts again for
    ``seconds``; ``threads`` requests at a time. Returns the wall time of both phases."""
    arriving = people[:]
    rng.shuffle(arriving)
    lock = threading.Lock()

    def arrive():
        while True:
            with lock:
                if not arriving:
                    return
                person = arriving.pop()
            guarded(person, person.sign_in)

    started = time.monotonic()
    run_threads(threads, arrive)
    for person in people:
        person.stats.phase = "work"
    start = time.monotonic()
    sign_in_wall, end = start - started, start + seconds
    counter = itertools.count()
    heap = [(start + rng.uniform(0, p.think * p.think_factor), next(counter), p) for p in people]
    heapq.heapify(heap)
    ready = threading.Condition()

    def work():
        while True:
            with ready:
                while True:
                    now = time.monotonic()
                    if now >= end:
                        return
                    if heap and heap[0][0] <= now:
                        _due, _n, person = heapq.heappop(heap)
                        break
                    ready.wait(min(end, heap[0][0] if heap else end) - now)
            guarded(person, person.step)
            with ready:
                heapq.heappush(heap, (time.monotonic() + person.pause(), next(counter), person))
                ready.notify()

    run_threads(threads, work)
    return sign_in_wall, time.monotonic() - start


def client_process(args) -> dict:
    """One load-client process: the people of some firms, ``threads`` requests at a time."""
    plans, port, seconds, threads, think, seed = args
    rng = random.Random(seed)
    stats = Stats()
    base = f"http://127.0.0.1:{port}"
    people = []
    for plan in plans:
        people.append(Admin(plan, plan.admin, base, stats, think, random.Random(rng.random())))
        people += [
            Accountant(plan, e, base, stats, think, random.Random(rng.random()))
            for e in plan.accountants
        ]
        people += [
            Client(plan, e, base, stats, think, random.Random(rng.random())) for e in plan.clients
        ]
    cpu0 = time.process_time()
    sign_in_wall, wall = run_people(people, seconds, threads, rng)
    result = stats.export()
    result.update(wall=wall, sign_in_wall=sign_in_wall, cpu=time.process_time() - cpu0)
    return result


def run_load(
    plans: list[FirmPlan],
    port: int,
    seconds: float,
    procs: int = 2,
    threads: int = 8,
    think: float = 10.0,
    seed: int = 2026,
) -> dict:
    """Run the morning in ``procs`` processes (firms split between them); returns merged results."""
    procs = max(1, min(procs, len(plans)))
    parts = [(plans[i::procs], port, seconds, threads, think, seed + i) for i in range(procs)]
    if procs == 1:
        outputs = [client_process(parts[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(procs) as pool:
            outputs = pool.map(client_process, parts)
    merged = {
        "latency": defaultdict(list),
        "codes": defaultdict(Counter),
        "errors": Counter(),
        "unexpected": Counter(),
        "samples": [],
        "records": defaultdict(list),
        "wall": max(o["wall"] for o in outputs),
        "sign_in_wall": max(o["sign_in_wall"] for o in outputs),
        "client_cpu": sum(o["cpu"] for o in outputs),
        "work_requests": sum(o["work_requests"] for o in outputs),
        "procs": procs,
        "threads": threads,
        "think": think,
    }
    for out in outputs:
        for k, v in out["latency"].items():
            merged["latency"][k].extend(v)
        for k, v in out["codes"].items():
            merged["codes"][k].update(v)
        merged["errors"].update(out["errors"])
        merged["unexpected"].update(out["unexpected"])
        merged["samples"] += out["samples"]
        for k, v in out["records"].items():
            merged["records"][k].extend(tuple(x) for x in v)
    return merged


# --- the worker's queues --------------------------------------------------------------------


class QueueWatch:
    """Samples the worker's backlog while the load runs."""

    def __init__(self, redis_url: str, every: float = 2.0):
        from redis import Redis

        self.redis, self.every = Redis.from_url(redis_url), every
        self.max_backlog, self.stop_flag = 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def backlog(self) -> int:
        return sum(self.redis.llen(f"rq:queue:{name}") for name in QUEUES)

    def _run(self):
        while not self.stop_flag.wait(self.every):
            self.max_backlog = max(self.max_backlog, self.backlog())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()


def drain(
    redis_url: str, timeout: float, until: float | None = None, stack: Stack | None = None
) -> float | None:
    """Wait until the worker has no queued or running job, and (with ``until``, a Unix time) no
    delayed job due before then; returns the seconds until the backlog was first empty, None on
    timeout."""
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    redis = Redis.from_url(redis_url)
    queues = [Queue(name, connection=redis) for name in QUEUES]
    started = time.monotonic()
    emptied = quiet_since = None
    while time.monotonic() - started < timeout:
        busy = sum(q.count for q in queues) + sum(StartedJobRegistry(queue=q).count for q in queues)
        if busy == 0 and emptied is None:
            emptied = time.monotonic() - started
        due = (
            sum(len(ScheduledJobRegistry(queue=q).get_jobs_to_schedule(until)) for q in queues)
            if until
            else 0
        )
        if busy == 0 and due == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 2.0:  # jobs that enqueue jobs: stay quiet a moment
                return emptied
        else:
            quiet_since = None
        if stack is not None and not stack.alive():
            raise RuntimeError(
                "the worker or gunicorn stopped during the run:\n" + stack.log_tail()
            )
        time.sleep(0.5)
    return None


def hold_periodic_jobs(redis_url: str, seconds: float) -> None:
    """Mark the periodic jobs' slots of the next ``seconds`` as enqueued already, so that a run on
    a shared database does not fan out billing runs, sweeps and surveys to every firm in it."""
    from redis import Redis

    from yk_saas.jobs import PERIODIC_JOBS

    redis, now = Redis.from_url(redis_url), time.time()
    for job in PERIODIC_JOBS:
        for slot in range(
            int(now // job.every_seconds), int((now + seconds) // job.every_seconds) + 1
        ):
            redis.set(f"yk:periodic:{job.name}:{slot}", 1, ex=int(seconds) + job.every_seconds * 2)


def failed_jobs(redis_url: str, slugs: set[str], ignore: set[str] = frozenset()) -> list[str]:
    """Failed jobs of these firms or of the platform (a firm's job has its slug first)."""
    from redis import Redis
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    redis = Redis.from_url(redis_url)
    found = []
    for name in QUEUES:
        ids = [
            i
            for i in FailedJobRegistry(queue=Queue(name, connection=redis)).get_job_ids()
            if i not in ignore
        ]
        for job in Job.fetch_many(ids, connection=redis):
            if job is None:
                continue
            firm = job.args[0] if job.args and isinstance(job.args[0], str) else None
            if firm is None or firm in slugs:
                last = (job.exc_info or "").strip().splitlines()[-1:] or ["?"]
                found.append(f"{job.func_name}{tuple(job.args)}: {last[0]}")
    return found


def failed_job_ids(redis_url: str) -> set[str]:
    from redis import Redis
    from rq import Queue
    from rq.registry import FailedJobRegistry

    redis = Redis.from_url(redis_url)
    return {
        i
        for name in QUEUES
        for i in FailedJobRegistry(queue=Queue(name, connection=redis)).get_job_ids()
    }


# --- reconciliation -------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    expected: int
    found: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile(
    app, plans: list[FirmPlan], records: dict, redis_url: str, ignore_failed: set[str] = frozenset()
) -> list[Check]:
    """Compare what the load client was told with what the database holds, firm by firm."""
    from sqlalchemy import select

    from tenants import db, tenant_context
    from yk_saas.accounts.models import User
    from yk_saas.files.models import StoredFile
    from yk_saas.mail.models import OUTBOX, SENT, OutboxEmail
    from yk_saas.notifications.models import Notification
    from yk_saas.notifications.services import default_enabled
    from yk_saas.work.models import TRANSITIONS, WorkEntry, WorkItem

    by_slug = defaultdict(lambda: defaultdict(list))
    for kind, rows in records.items():
        for row in rows:
            by_slug[row[0]][kind].append(row)
    checks = {
        name: Check(name, 0, 0)
        for name in (
            "filings: one item per success",
            "attachments: one file per attached filing",
            "claims: one entry per won claim",
            "claims: one winner per item",
            "progress: one entry per success",
            "replies: one entry per success",
            "states: item state = end of its timeline",
            "e-mails: one message per notification",
        )
    }

    def problem(name, text):
        if len(checks[name].problems) < 10:
            checks[name].problems.append(text)
        elif len(checks[name].problems) == 10:
            checks[name].problems.append("…")

    with app.app_context():
        for plan in plans:
            mine = by_slug[plan.slug]
            with tenant_context(plan.slug):
                users = dict(db.session.execute(select(User.email, User.id)).all())
                items = {
                    i.id: i
                    for i in db.session.execute(
                        select(
                            WorkItem.id,
                            WorkItem.title,
                            WorkItem.state,
                            WorkItem.assignee_id,
                            WorkItem.created_by_id,
                        )
                    )
                }
                entries = defaultdict(list)
                for e in db.session.execute(
                    select(
                        WorkEntry.id,
                        WorkEntry.work_item_id,
                        WorkEntry.kind,
                        WorkEntry.event,
                        WorkEntry.author_id,
                        WorkEntry.body,
                        WorkEntry.from_state,
                        WorkEntry.to_state,
                    ).order_by(WorkEntry.id)
                ):
                    entries[e.work_item_id].append(e)
                files = Counter(
                    db.session.scalars(
                        select(StoredFile.owner_id).where(StoredFile.owner_type == "work_item")
                    )
                )
                notes = db.session.execute(select(Notification.id, Notification.event)).all()
                mails = Counter(
                    db.session.scalars(
                        select(OutboxEmail.kind).where(
                            OutboxEmail.kind.like("notification:%"),
                            OutboxEmail.status.in_((OUTBOX, SENT)),
                        )
                    )
                )
                db.session.rollback()

            # filings
            c = checks["filings: one item per success"]
            uncertain = {r[1] for r in mine["uncertain_filings"]}
            titles = Counter(i.title for i in items.values() if i.title.startswith("LT "))
            c.expected += len(mine["filed"])
            c.found += sum(n for t, n in titles.items() if t not in uncertain)
            for _slug, email, title, item_id, _att in mine["filed"]:
                item = items.get(item_id)
                if (
                    titles[title] != 1
                    or item is None
                    or item.title != title
                    or item.created_by_id != users[email]
                ):
                    problem(
                        c.name, f"{plan.slug}: {title!r} (#{item_id}) found {titles[title]} times"
                    )
                if item is not None and sum(e.event == "filed" for e in entries[item_id]) != 1:
                    problem(c.name, f"{plan.slug} #{item_id}: not exactly one 'filed' entry")
            filed_titles = {r[2] for r in mine["filed"]}
            for title, n in titles.items():
                if title not in filed_titles and title not in uncertain:
                    problem(
                        c.name,
                        f"{plan.slug}: {title!r} in the database, never confirmed to the client",
                    )

            c = checks["attachments: one file per attached filing"]
            for _slug, _email, _title, item_id, attached in mine["filed"]:
                c.expected += int(attached)
                c.found += files[item_id]
                if files[item_id] != int(attached):
                    problem(
                        c.name,
                        f"{plan.slug} #{item_id}: {files[item_id]} files, expected {int(attached)}",
                    )

            # claims
            c = checks["claims: one entry per won claim"]
            claimed = [e for es in entries.values() for e in es if e.event == "claimed"]
            uncertain_claims = {(r[1], users[r[2]]) for r in mine["uncertain_claims"]}
            c.expected += len(mine["claims_won"])
            c.found += sum((e.work_item_id, e.author_id) not in uncertain_claims for e in claimed)
            won = Counter((r[1], users[r[2]]) for r in mine["claims_won"])
            got = Counter((e.work_item_id, e.author_id) for e in claimed)
            for key, n in won.items():
                if got[key] != n or n != 1:
                    problem(c.name, f"{plan.slug} #{key[0]}: won {n}×, {got[key]} claim entries")
            for key, n in got.items():
                if key not in won and key not in uncertain_claims:
                    problem(
                        c.name,
                        f"{plan.slug} #{key[0]}: claimed by user {key[1]} without a success seen",
                    )
            for _slug, item_id, email in mine["claims_lost"]:
                if got[(item_id, users[email])]:
                    problem(c.name, f"{plan.slug} #{item_id}: a refused claim left an entry")

            c = checks["claims: one winner per item"]
            for item_id, es in entries.items():
                takers = [e for e in es if e.event in ("claimed", "auto_assigned", "assigned")]
                c.expected += int(bool(takers))
                c.found += int(len(takers) == 1)
                if len(takers) > 1:
                    problem(c.name, f"{plan.slug} #{item_id}: {[e.event for e in takers]}")
                winner = takers[0].author_id if takers and takers[0].event == "claimed" else None
                if winner and items[item_id].assignee_id != winner:
                    problem(
                        c.name,
                        f"{plan.slug} #{item_id}: claimed by {winner}, "
                        f"assigned to {items[item_id].assignee_id}",
                    )

            # progress and replies
            for kind, name, prefix in (
                ("progress", "progress: one entry per success", "LT progress "),
                ("replies", "replies: one entry per success", "LT reply "),
            ):
                c = checks[name]
                uncertain_bodies = {r[1] for r in mine[f"uncertain_{kind}"]}
                stored = Counter(
                    (e.body, e.work_item_id, e.author_id)
                    for es in entries.values()
                    for e in es
                    if (e.body or "").startswith(prefix)
                )
                bodies = Counter(b for b, _i, _a in stored.elements())
                c.expected += len(mine[kind])
                c.found += sum(n for (b, _i, _a), n in stored.items() if b not in uncertain_bodies)
                sent = {r[2] for r in mine[kind]}
                for row in mine[kind]:
                    item_id, body, email = row[1], row[2], row[-1]
                    if stored[(body, item_id, users[email])] != 1 or bodies[body] != 1:
                        problem(name, f"{plan.slug} #{item_id}: {body!r} stored {bodies[body]}×")
                refused = {r[2] for r in mine[f"{kind}_refused"]}
                for body in bodies:
                    if body not in sent and body not in uncertain_bodies:
                        problem(
                            name,
                            f"{plan.slug}: {body!r} stored"
                            + (
                                " although refused"
                                if body in refused
                                else " without a success seen"
                            ),
                        )

            # every item's state is where its timeline leads, by allowed steps
            c = checks["states: item state = end of its timeline"]
            for item_id, item in items.items():
                c.expected += 1
                state, ok = None, True
                for e in entries[item_id]:
                    if e.to_state is None:
                        continue
                    if state is not None and (
                        e.from_state not in (None, state)
                        or e.to_state not in TRANSITIONS.get(state, ())
                    ):
                        ok = False
                        problem(
                            c.name,
                            f"{plan.slug} #{item_id}: entry {e.id} {e.event or e.kind} "
                            f"{e.from_state}→{e.to_state} after {state}",
                        )
                    state = e.to_state
                if state != item.state:
                    ok = False
                    problem(
                        c.name,
                        f"{plan.slug} #{item_id}: state {item.state}, timeline ends at {state}",
                    )
                c.found += int(ok)

            c = checks["e-mails: one message per notification"]
            for note_id, event in notes:
                if default_enabled(event, "email"):
                    c.expected += 1
                    n = mails[f"notification:{note_id}"]
                    c.found += int(n == 1)
                    if n != 1:
                        problem(
                            c.name,
                            f"{plan.slug}: notification {note_id} ({event}) has {n} messages",
                        )
    jobs = Check(
        "worker: no failed job",
        0,
        0,
        failed_jobs(redis_url, {p.slug for p in plans}, ignore_failed),
    )
    jobs.found = len(jobs.problems)
    return [*checks.values(), jobs]


def timeout_outcomes(app, plans: list[FirmPlan]) -> Counter:
    """How many items the worker's claim timeouts auto-assigned or escalated."""
    from sqlalchemy import func, select

    from tenants import db, tenant_context
    from yk_saas.work.models import WorkEntry

    counts = Counter()
    with app.app_context():
        for plan in plans:
            with tenant_context(plan.slug):
                counts.update(
                    dict(
                        db.session.execute(
                            select(WorkEntry.event, func.count())
                            .where(WorkEntry.event.in_(("auto_assigned", "escalated")))
                            .group_by(WorkEntry.event)
                        ).all()
                    )
                )
    return counts


# --- the report -----------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def endpoint_rows(results: dict) -> list[tuple]:
    rows = []
    names = [n for n in ENDPOINTS if n in results["latency"]] + sorted(
        n for n in results["latency"] if n not in ENDPOINTS
    )
    for name in names:
        values = sorted(results["latency"][name])
        rows.append(
            (
                name,
                len(values),
                results["errors"].get(name, 0),
                results["unexpected"].get(name, 0),
                percentile(values, 0.50),
                percentile(values, 0.95),
                percentile(values, 0.99),
                values[-1],
            )
        )
    return rows


def outcome_lines(results: dict) -> list[str]:
    r = results["records"]
    return [
        f"requests filed: {len(r['filed'])} ({sum(1 for x in r['filed'] if x[4])} with a PDF)",
        f"claims: {len(r['claims_won'])} won, {len(r['claims_lost'])} refused (taken first or at capacity)",
        f"progress notes: {len(r['progress'])} posted, {len(r['progress_refused'])} refused",
        (
            f"client replies: {len(r['replies'])} posted, {len(r['replies_refused'])} refused "
            "(the item had moved on)"
        ),
        f"writes whose answer never came: {sum(len(r[k]) for k in r if k.startswith('uncertain_'))}",
    ]


def render(results: dict, checks: list[Check], extra: dict) -> str:
    rows = endpoint_rows(results)
    total = sum(row[1] for row in rows)
    errors = sum(row[2] for row in rows)
    unexpected = sum(row[3] for row in rows)
    wall = results["wall"]
    lines = [
        "| endpoint | count | 5xx / failed | other unexpected | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| `{n}` | {c} | {e} | {u} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {mx:.0f} |"
        for n, c, e, u, p50, p95, p99, mx in rows
    ]
    everything = sorted(v for values in results["latency"].values() for v in values)
    lines.append(
        f"| **all** | **{total}** | **{errors}** | **{unexpected}** | {percentile(everything, 0.5):.1f} | "
        f"{percentile(everything, 0.95):.1f} | {percentile(everything, 0.99):.1f} | "
        f"{everything[-1] if everything else 0:.0f} |"
    )
    writes = sum(row[1] for row in rows if row[0] in WRITES)
    signed_in = results["codes"].get("POST /login", {}).get(302, 0)
    throughput = (
        f"Sign-in (everyone arrives at once): {signed_in} people in {results['sign_in_wall']:.0f} s. "
        f"Then the working phase: **{results['work_requests'] / wall:.1f} requests/s** over {wall:.0f} s "
        f"({writes / wall:.1f} work writes/s)."
    )
    lines += ["", throughput]
    lines += ["", *[f"- {line}" for line in outcome_lines(results)]]
    for key, value in extra.items():
        lines.append(f"- {key}: {value}")
    lines += ["", "| reconciliation | expected | found | result |", "|---|---:|---:|---|"]
    for check in checks:
        lines.append(
            f"| {check.name} | {check.expected} | {check.found} | "
            f"{'ok' if check.ok else 'FAILED: ' + '; '.join(check.problems)} |"
        )
    if results["samples"]:
        lines += ["", "First errors:", *[f"    {s}" for s in results["samples"][:10]]]
    return "\n".join(lines)


def machine() -> str:
    import platform

    pg = subprocess.run(
        ["psql", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {pg}"


def write_readme(text: str, command: str, settings: str) -> None:
    """Put the run's figures in the "Load test" section of bench/README.md (replacing an older one)."""
    readme = ROOT / "bench" / "README.md"
    intro = (
        "`bench/load_morning.py` provisions the firms (real signup, then people: an admin, "
        "accountants, client companies with one client user each), starts gunicorn and "
        "`python worker.py`, signs every simulated person in through `/login` (CSRF, one "
        "host-bound session each, rate limits on; everyone arrives at once) and then lets them "
        "work for the given minutes: clients browse the portal, "
        "file requests (one in ten with a PDF), follow them and answer when asked; accountants "
        "watch the pool, claim (racing each other for the three most urgent items), open their "
        "work and post progress until it is done; admins read the board, its filters, the cards "
        "and the staff page. Urgent items time out after one minute: half of the firms "
        "auto-assign them from the worker, the others escalate. After the run the worker empties "
        "its queues and the database is reconciled with every success the load client saw. "
        "`tests/test_load.py` runs the same scenario with 3 firms for 20 s in CI."
    )
    intro, settings = textwrap.fill(intro, 100), textwrap.fill(settings, 100)
    section = (
        f"## Load test: a busy morning\n\n{intro}\n\n```\n{command}\n```\n\n{settings}\n\n{text}\n"
    )
    content = readme.read_text()
    pattern = re.compile(r"^## Load test: a busy morning\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    content = (
        pattern.sub(lambda _m: section, content)
        if pattern.search(content)
        else content.rstrip("\n") + "\n\n" + section
    )
    readme.write_text(content)


# --- the whole run --------------------------------------------------------------------------


def run_morning(
    app,
    plans: list[FirmPlan],
    env: dict,
    redis_url: str,
    seconds: float,
    *,
    web_workers: int = 4,
    job_workers: int = 1,
    procs: int = 2,
    threads: int = 8,
    think: float = 10.0,
    urgent_minutes: int = 1,
    drain_timeout: float = 1800.0,
    log_dir: Path | None = None,
) -> dict:
    """Start the servers, run the load, let the worker finish, stop everything, reconcile.

    The worker is waited for until its queues are empty and, when the urgent claim timeout is
    shorter than ``drain_timeout``, until every timeout of an item filed during the load has run.
    """
    ignore = failed_job_ids(redis_url)
    load0 = os.getloadavg()[0]
    clock = [("start", time.monotonic())]
    with Stack(env, web_workers=web_workers, job_workers=job_workers, log_dir=log_dir) as stack:
        stack.warm_up(plans[0].host)
        clock.append(("servers up", time.monotonic()))
        cpu0 = stack.cpu_seconds()
        with QueueWatch(redis_url) as watch:
            results = run_load(plans, stack.port, seconds, procs, threads, think)
        clock.append(("load", time.monotonic()))
        load_end, cpu1, load1 = time.time(), stack.cpu_seconds(), os.getloadavg()[0]
        until = load_end + urgent_minutes * 60 + 5 if urgent_minutes * 60 < drain_timeout else None
        drained = drain(redis_url, drain_timeout, until, stack)
        clock.append(("drain", time.monotonic()))
        server_log = stack.log_tail(80) if sum(results["errors"].values()) else ""
    clock.append(("stop", time.monotonic()))
    checks = reconcile(app, plans, results["records"], redis_url, ignore)
    clock.append(("reconcile", time.monotonic()))
    timings = {name: round(t - clock[i][1], 1) for i, (name, t) in enumerate(clock[1:])}
    wall = results["wall"] + results["sign_in_wall"]
    extra = {
        "load client": f"{results['procs']} processes × {results['threads']} threads, "
        f"{results['client_cpu'] / wall * 100:.0f} % of one core",
        "gunicorn": f"{web_workers} sync workers, {(cpu1['web'] - cpu0['web']) / wall * 100:.0f} % of one core",
        f"worker.py × {job_workers}": f"{(cpu1['worker'] - cpu0['worker']) / wall * 100:.0f} % of one core, largest backlog "
        f"{watch.max_backlog} jobs, queues empty "
        + (
            f"{drained:.0f} s after the load stopped"
            if drained is not None
            else "NOT within the timeout"
        ),
        "items whose claim timeout ran (worker)": "auto-assigned {auto_assigned}, escalated {escalated}".format(
            **{"auto_assigned": 0, "escalated": 0, **timeout_outcomes(app, plans)}
        ),
        "machine load average (1 min)": f"{load0:.1f} before, {load1:.1f} at the end (other work included)",
    }
    ok = (
        drained is not None
        and all(c.ok for c in checks)
        and not sum(results["errors"].values())
        and not sum(results["unexpected"].values())
    )
    return {
        "results": results,
        "checks": checks,
        "extra": extra,
        "drained": drained,
        "ok": ok,
        "timings": timings,
        "server_log": server_log,
        "table": render(results, checks, extra),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--firms", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--job-workers", type=int, default=1, help="worker.py processes")
    parser.add_argument("--procs", type=int, default=2, help="load-client processes")
    parser.add_argument(
        "--threads", type=int, default=8, help="concurrent requests per load-client process"
    )
    parser.add_argument(
        "--think", type=float, default=10.0, help="mean pause between a person's actions (s)"
    )
    parser.add_argument("--db", default=os.environ.get("YK_LOAD_DB", "yk_load"))
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=1800.0,
        help="seconds to wait for the worker's queues after the load",
    )
    parser.add_argument(
        "--write-readme", action="store_true", help="put the figures in bench/README.md"
    )
    args = parser.parse_args(argv)

    from redis import Redis

    from tenants.migrate import upgrade_public
    from yk_saas import create_app
    from yk_saas.embedded import database_url_on, ensure_database
    from yk_saas.i18n_compile import compile_catalogs

    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    platform_domain = "load.test"
    ensure_database(server, args.db, recreate=True)
    database_url = database_url_on(server, args.db)
    Redis.from_url(redis_url).flushdb()
    storage = tempfile.mkdtemp(prefix="yk-load-files-")
    compile_catalogs()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "PLATFORM_DOMAIN": platform_domain,
            "STORAGE_DIR": storage,
            "SMTP_HOST": "",
        }
    )
    with app.app_context():
        upgrade_public()
    started = time.perf_counter()
    plans = provision(app, args.firms)
    people = sum(1 + len(p.accountants) + len(p.clients) for p in plans)
    print(
        f"{len(plans)} firms, {people} people provisioned in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    print(
        f"load: {args.minutes:g} min, {args.procs}×{args.threads} concurrent requests, think {args.think:g} s; "
        "then the worker's queues are drained and the database reconciled …",
        flush=True,
    )
    try:
        run = run_morning(
            app,
            plans,
            server_environment(database_url, redis_url, platform_domain, storage),
            redis_url,
            args.minutes * 60,
            web_workers=args.web_workers,
            job_workers=args.job_workers,
            procs=args.procs,
            threads=args.threads,
            think=args.think,
            drain_timeout=args.drain_timeout,
        )
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    if run["server_log"]:
        print(run["server_log"], file=sys.stderr)
    wall = run["results"]["wall"]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    settings = (
        f"{when} · {machine()} · {len(plans)} firms, {people} people "
        f"(per firm: 1 admin, {len(plans[0].accountants)} accountants, {len(plans[0].clients)} clients), "
        f"{wall / 60:.1f} min, mean think time {args.think:g} s (accountants ×0.6, admins ×1.5), "
        f"{args.procs}×{args.threads} requests at a time; gunicorn {args.web_workers} sync workers, "
        f"{args.job_workers} worker.py; "
        "PostgreSQL, Redis, gunicorn, the worker and the load client on the same machine."
    )
    print(f"\n{settings}\n\n{run['table']}")
    if args.write_readme:
        shown = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--write-readme"]
        command = (
            "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/13 \\\n"
            "    python bench/load_morning.py " + " ".join(shown)
        )
        write_readme(run["table"], command, settings)
    print("\nresult:", "ok" if run["ok"] else "FAILED")
    return 0 if run["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
