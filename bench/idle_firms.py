"""An idle platform: N firms with no activity at all and one ``worker.py`` for M minutes.

Reports the jobs executed per second, the CPU the worker processes used (from
/proc/<pid>/stat) and how long a marker job enqueued every 10 s on each queue
(``deadlines``, ``high``, ``default``, ``low``) waited to start. Target on a
2-core machine: < 0.2 jobs/s, < 5 % of a core, every marker within 2 s.

Firms are kept in the scratch database ``yk_bench_idle_firms`` between runs
(provisioning a thousand takes minutes); only the idle firms are active in it.
Run: ``python bench/idle_firms.py [--firms 200] [--minutes 1] [--processes 2]``
(the full form: ``--firms 1000 --minutes 5``).
"""

import argparse
import os

from common import BENCH_DB, REDIS_URL, SERVER_URL, bench_app, report

from tests.support.idle import provision_idle_firms, run_idle, suspend_other_firms
from yk_saas.embedded import database_url_on, ensure_database

PREFIX = "idle"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--skip",
        default="",
        help="periodic jobs the worker leaves out, comma-separated (e.g. dunning-pass)",
    )
    options = parser.parse_args()
    ensure_database(SERVER_URL, BENCH_DB)
    app = bench_app(fresh=False)
    with app.app_context():
        created = provision_idle_firms(options.firms, PREFIX, "bench.test")
        suspend_other_firms(PREFIX)
    env = {
        "DATABASE_URL": database_url_on(SERVER_URL, BENCH_DB),
        "PLATFORM_DOMAIN": "bench.test",
        "SMTP_HOST": "",
        "YK_PERIODIC_SKIP": options.skip,
    }
    figures = run_idle(env, REDIS_URL, options.minutes * 60, options.processes, options.firms)
    rows = [("firms provisioned for this run", str(created)), *figures.rows()]
    left_out = f", without {options.skip}" if options.skip else ""
    report(f"Idle platform: {options.firms} firms, {options.minutes:g} min{left_out}", rows)


if __name__ == "__main__":
    os.environ.setdefault("YK_PERIODIC_JOBS", "1")
    main()
