"""Requests/s of a firm page under gunicorn against a bare Flask hello-world.

Both run under the same gunicorn settings, one after the other in the same run,
loaded by wrk (Debian package ``wrk``) on loopback with the firm's Host header.
Run: ``python bench/http_firm_page.py [path]`` (default: the firm's sign-in page).
"""

import os
import re
import socket
import subprocess
import sys
import time

from common import BENCH_DB, REDIS_URL, ROOT, SERVER_URL, bench_app, report

from yk_saas.embedded import database_url_on
from yk_saas.platform.services import FirmSignup, signup_firm

GUNICORN = ["--workers", "2", "--worker-class", "sync", "--bind"]
WRK = ["wrk", "--threads", "2", "--connections", "16", "--duration", "10s", "--latency"]
HELLO = "from flask import Flask\napp = Flask(__name__)\n@app.get('/')\ndef hello():\n    return 'hello'\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_spec: str, env: dict):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, f"127.0.0.1:{port}", app_spec],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def load(port: int, path: str, host: str) -> tuple[float, str]:
    out = subprocess.run(
        [*WRK, "-H", f"Host: {host}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    return rps, p99


def main(path: str):
    app = bench_app()
    with app.app_context():
        signup_firm(
            FirmSignup(
                firm_name="Speed Firm",
                slug="speed",
                owner_name="Owner",
                email="owner@speed.example.com",
                password="Bench-pass-2026",
            )
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url_on(SERVER_URL, BENCH_DB),
        "REDIS_URL": REDIS_URL,
        "PLATFORM_DOMAIN": "bench.test",
        "PYTHONPATH": str(ROOT / "bench"),
    }
    hello = ROOT / "bench" / "hello_app.py"
    kept = hello.exists()  # the checked-in copy is used as it is
    if not kept:
        hello.write_text(HELLO)
    results = {}
    try:
        for name, spec, host in (
            ("hello", "hello_app:app", "localhost"),
            ("firm", "yk_saas:create_app()", "speed.bench.test"),
        ):
            proc, port = serve(spec, env)
            try:
                load(port, path if name == "firm" else "/", host)  # warm-up
                results[name] = load(port, path if name == "firm" else "/", host)
            finally:
                proc.terminate()
                proc.wait()
    finally:
        if not kept:
            hello.unlink(missing_ok=True)
    (hello_rps, hello_p99), (firm_rps, firm_p99) = results["hello"], results["firm"]
    report(
        f"Firm page {path} under gunicorn (2 sync workers, wrk 16 connections, 10 s)",
        [
            ("bare Flask hello-world", f"{hello_rps:.0f} req/s, p99 {hello_p99}"),
            (f"firm page {path}", f"{firm_rps:.0f} req/s, p99 {firm_p99}"),
            ("ratio firm / hello-world", f"{firm_rps / hello_rps:.2f}"),
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/login")
