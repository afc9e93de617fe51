"""Shared set-up of the benchmark scripts: a scratch database, an app, timing helpers.

Benchmarks use the servers named by DATABASE_URL / REDIS_URL (defaults: the
local PostgreSQL and Redis) and their own database ``yk_bench``, recreated
at the start of each script.
"""

import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yk_saas import create_app
from yk_saas.embedded import database_url_on, ensure_database

SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
BENCH_DB = os.environ.get(
    "YK_BENCH_DB", "yk_bench_" + os.path.basename(sys.argv[0]).removesuffix(".py")
)


def bench_app(fresh: bool = True):
    """An app on a (fresh) scratch database with the public schema migrated."""
    from tenants.migrate import upgrade_public

    if fresh:
        ensure_database(SERVER_URL, BENCH_DB, recreate=True)
    url = database_url_on(SERVER_URL, BENCH_DB)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": REDIS_URL,
            "PLATFORM_DOMAIN": "bench.test",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 8, "pool_pre_ping": True},
        }
    )
    with app.app_context():
        upgrade_public()
    return app


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def machine() -> str:
    cpu = os.cpu_count()
    pg = subprocess.run(
        ["psql", "--version"], check=False, capture_output=True, text=True
    ).stdout.strip()
    return f"{platform.machine()}, {cpu} cores, Python {platform.python_version()}, {pg}"


def report(title: str, rows: list[tuple[str, str]]) -> None:
    """Print a small table of figures with the machine and date."""
    print(f"\n## {title}\n")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}\n")
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
