"""Published firm home page under gunicorn vs a bare Flask hello-world under the same settings.

Run from the repository root:
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/14 \\
    BENCH_DB=yk_bench_site /tmp/venv/bin/python bench/site_home.py
Prints requests/s and p95 latency of both, and their ratio (target: home ≥ 0.5 × hello).
"""

import http.client
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLATFORM = "bench.test"
SLUG = "benchfirm"
WORKERS = os.environ.get("BENCH_GUNICORN_WORKERS", "2")
DURATION = float(os.environ.get("BENCH_SECONDS", "12"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
CLIENT_PROCESSES, THREADS = 2, 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def environment() -> dict:
    from yk_saas.embedded import database_url_on, ensure_database

    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("BENCH_DB", "yk_bench_site")
    ensure_database(server, name, recreate=True)
    return {
        **os.environ,
        "DATABASE_URL": database_url_on(server, name),
        "PLATFORM_DOMAIN": PLATFORM,
        "YK_ENV": "bench",
        "STORAGE_DIR": "/tmp/yk-bench-files",
    }


def prepare_firm(env: dict) -> None:
    """A firm with a published home page: slides, sections, announcements, menu."""
    os.environ.update(env)
    from werkzeug.datastructures import FileStorage

    from tenants import db, tenant_context
    from tenants.migrate import upgrade_public
    from yk_saas import create_app
    from yk_saas.files.services import IMAGES, save_upload
    from yk_saas.platform.services import FirmSignup, signup_firm
    from yk_saas.site import services

    app = create_app()
    with app.app_context():
        upgrade_public()
        signup_firm(
            FirmSignup(
                "Bench Accounting",
                SLUG,
                "Bench Owner",
                "owner@bench.example.com",
                "Bench-pass-2026",
                "zh_CN",
            )
        )
        with app.test_request_context(), tenant_context(SLUG):
            for i in range(3):
                image = save_upload(
                    FileStorage(io.BytesIO(PNG), f"s{i}.png"),
                    allowed=IMAGES,
                    max_bytes=10_000,
                    owner_type="site_slide",
                    owner_id=None,
                    uploaded_by_id=None,
                )
                services.add_slide(image, f"Slide {i}", "Subtitle", "/p/about", None, None)
            for kind in ("announcements", "about", "rich_text", "pages", "contact"):
                services.save_section(
                    None, kind, kind.title(), "<p>Some <strong>text</strong></p>" * 5
                )
            services.save_page(None, "about", "About us", "<p>About</p>")
            services.add_menu_item("About", "/p/about", None)
            for i in range(3):
                services.add_announcement(f"Notice {i}", "<p>Office hours</p>", None, None)
            owner = db.session.get(__import__("yk_saas.accounts.models", fromlist=["User"]).User, 1)
            services.publish(owner)
            db.session.commit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(module: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            WORKERS,
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            module,
        ],
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn {module} did not start")


def _fetch(port: int, host: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/", headers={"Host": host})
    body = conn.getresponse().read().decode()
    conn.close()
    return body


def _one(port: int, host: str) -> float:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/", headers={"Host": host})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200 or not body:
        raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - start


def _client(args) -> list[float]:
    port, host, seconds = args
    end = time.time() + seconds
    latencies: list[float] = []

    def loop():
        out = []
        while time.time() < end:
            out.append(_one(port, host))
        return out

    with ThreadPoolExecutor(THREADS) as pool:
        for result in pool.map(lambda _: loop(), range(THREADS)):
            latencies.extend(result)
    return latencies


def warm(port: int, host: str) -> None:
    for _ in range(50):  # warm caches and connections
        _one(port, host)
    if host != "localhost":  # the published page, not a fallback
        assert "Slide 0" in _fetch(port, host) and "Notice 2" in _fetch(port, host)


def run_round(port: int, host: str, seconds: float) -> list[float]:
    with Pool(CLIENT_PROCESSES) as pool:
        parts = pool.map(_client, [(port, host, seconds)] * CLIENT_PROCESSES)
    return [x for part in parts for x in part]


def summary(latencies: list[float], seconds: float) -> dict:
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def main() -> None:
    """Both servers run side by side; short rounds alternate so machine load hits both alike."""
    env = environment()
    prepare_firm(env)
    targets = {
        "hello": ("bench.hello_app:app", "localhost"),
        "home": ("bench.site_app:app", f"{SLUG}.{PLATFORM}"),
    }
    servers = {label: start_gunicorn(module, env) for label, (module, _h) in targets.items()}
    latencies = {label: [] for label in targets}
    ratios = []
    try:
        for label, (proc, port) in servers.items():
            warm(port, targets[label][1])
        for _ in range(ROUNDS):
            counts = {}
            for label, (_proc, port) in servers.items():
                got = run_round(port, targets[label][1], DURATION / ROUNDS)
                latencies[label].extend(got)
                counts[label] = len(got)
            ratios.append(counts["home"] / counts["hello"])
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(10)
    for label in targets:
        r = summary(latencies[label], DURATION)
        print(
            f"{label:6} {r['rps']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms"
            f"   ({r['requests']} requests)"
        )
    total = len(latencies["home"]) / len(latencies["hello"])
    print(
        f"home / hello throughput ratio: {total:.2f} overall, median of {ROUNDS} alternating rounds "
        f"{statistics.median(ratios):.2f} (target ≥ 0.50); gunicorn -w {WORKERS} sync, "
        f"{CLIENT_PROCESSES}×{THREADS} clients, {DURATION:.0f} s per app"
    )


if __name__ == "__main__":
    main()
