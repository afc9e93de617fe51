"""The real job worker, run as a separate process in burst mode."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_worker_burst(app, **env):
    """Run ``python worker.py`` in burst mode against the test database and Redis."""
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": app.config["REDIS_URL"],
        "PLATFORM_DOMAIN": app.config["PLATFORM_DOMAIN"],
        "RQ_BURST": "1",
        "SMTP_HOST": "",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "worker.py"],
        check=False,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done
