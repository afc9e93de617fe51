"""Shared set-up of the money benchmarks: a scratch database and firms to bill."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yk_saas import create_app
from yk_saas.embedded import database_url_on, ensure_database

SERVER = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = os.environ.get("YK_BENCH_DB", "yk_bench_money")


def bench_app():
    """An app on a freshly created scratch database, with the registry in place."""
    from tenants.migrate import upgrade_public

    ensure_database(SERVER, BENCH_DB, recreate=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url_on(SERVER, BENCH_DB),
                      "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
                      "PLATFORM_DOMAIN": "bench.test", "SMTP_HOST": ""})
    with app.app_context():
        upgrade_public()
    return app


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
