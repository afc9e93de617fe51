"""One command to run the whole product locally with demo data.

``python -m yk_saas.quickstart`` (what ``./yk demo`` runs): with no
``DATABASE_URL``/``REDIS_URL`` it starts the embedded PostgreSQL and Redis
under ``instance/``, migrates, creates the demo firms, then runs the web
server and an RQ worker until Ctrl-C. Firm sites are at
``http://<firm>.localhost:PORT``: browsers resolve ``*.localhost`` to this
machine without any DNS setup.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from yk_saas.config import ROOT
from yk_saas.embedded import stop_embedded


def prepare_services(env: dict) -> list:
    """Start embedded servers for what the environment does not name; returns handles."""
    from yk_saas.embedded import start_postgres, start_redis

    handles = []
    if not os.environ.get("DATABASE_URL"):
        pg, url = start_postgres(ROOT / "instance" / "pgdata", "yk_saas")
        handles.append(pg)
        env["DATABASE_URL"] = url
        print("PostgreSQL 16 (embedded) at instance/pgdata")
    if not os.environ.get("REDIS_URL"):
        redis, url = start_redis(ROOT / "instance" / "redis" / "redis.db")
        handles.append(redis)
        env["REDIS_URL"] = url
        print("Redis (embedded) at instance/redis")
    return handles


def setup_data(env: dict, port: str) -> None:
    os.environ.update(env)
    from tenants.migrate import migrate_tenants, upgrade_public
    from yk_saas import create_app
    from yk_saas.demo import print_demo_logins, seed_demo

    app = create_app({"PUBLIC_PORT": port})
    with app.app_context():
        upgrade_public()
        report = migrate_tenants()
        if not report.ok:
            print(f"migration failed for: {report.failed}", file=sys.stderr)
        firms = seed_demo()
        print(f"\nPlatform (sign up a new firm): http://{app.config['PLATFORM_DOMAIN']}:{port}")
        print_demo_logins(firms, base="http://{host}:" + port)
    # Secret links are masked in the Outbox for all but their recipient; the person who
    # runs the demo reads any kept e-mail in full on this machine.
    print(
        "\nRead a kept e-mail in full (invitation and reset links included):\n"
        f"  DATABASE_URL='{env['DATABASE_URL']}' {Path(sys.executable).parent / 'flask'} "
        "--app yk_saas mail show <firm> <message id>"
    )


def stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    port = os.environ.get("PORT", "5000")
    env = dict(os.environ)
    env.setdefault("PUBLIC_PORT", port)
    handles = prepare_services(env)
    setup_data(env, port)
    python = sys.executable
    worker = subprocess.Popen([python, str(ROOT / "worker.py")], env=env, cwd=ROOT)
    web = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "yk_saas:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    print("Web and worker running. Press Ctrl-C to stop.")
    try:
        while web.poll() is None and worker.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (web, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (web, worker):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        stop_embedded(handles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
