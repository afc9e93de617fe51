"""Pool page and admin board with 10,000 items in the firm: render time and queries per page.

The baseline is the desk's home page for the same user, in the same run.
"""

import os
import re
import time

from sqlalchemy import event

from bench.work_common import PASSWORD, bench_app, insert_items, make_firm, ms, statistics
from tenants import db, tenant_context

ITEMS = int(os.environ.get("BENCH_ITEMS", "10000"))
REPEAT = 20
SLUG = "pages"
HOST = f"{SLUG}.yk.bench"


class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


def signed_in(app, email):
    client = app.test_client()
    html = client.get("/login", base_url=f"http://{HOST}").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    client.post(
        "/login",
        base_url=f"http://{HOST}",
        data={"email": email, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    return client


def measure(client, counter, path, headers=None):
    times, queries = [], []
    for _ in range(REPEAT):
        counter.count = 0
        began = time.perf_counter()
        response = client.get(path, base_url=f"http://{HOST}", headers=headers or {})
        times.append(time.perf_counter() - began)
        queries.append(counter.count)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), max(queries)


def main():
    app = bench_app()
    info = make_firm(app, SLUG, accountants=5)
    with app.app_context(), tenant_context(SLUG):
        # 2,000 in the pool (half of them overdue), the rest assigned, working or finished.
        insert_items(info, 1_000, overdue=True)
        insert_items(info, 1_000, overdue=False)
        insert_items(
            info, ITEMS - 2_000, states=("assigned", "in_progress", "waiting_on_client", "done")
        )
    with app.app_context():
        counter = QueryCounter(db.engine)
    accountant = signed_in(app, f"acc0@{SLUG}.example.com")
    admin = signed_in(app, f"admin@{SLUG}.example.com")
    rows = [
        ("desk home, accountant (baseline)", accountant, "/desk/"),
        ("claim pool, accountant", accountant, "/desk/work/pool"),
        (
            "claim pool fragment (HTMX poll)",
            accountant,
            "/desk/work/pool?page=1",
            {"HX-Request": "true"},
        ),
        ("my work, accountant", accountant, "/desk/work/mine"),
        ("desk home, admin (baseline)", admin, "/desk/"),
        ("admin board", admin, "/desk/work/board"),
        (
            "admin board, overdue filter (HTMX)",
            admin,
            "/desk/work/board?overdue=1",
            {"HX-Request": "true"},
        ),
        ("admin board, page 100", admin, "/desk/work/board?page=100"),
    ]
    base = None
    print(f"items in the firm: {ITEMS}; median of {REPEAT} requests")
    for label, client, path, *headers in rows:
        seconds, queries = measure(client, counter, path, *headers)
        if "baseline" in label:
            base = seconds
        print(f"{label}: {ms(seconds)} ({seconds / base:.1f}x baseline), {queries} queries")


if __name__ == "__main__":
    main()
