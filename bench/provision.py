"""Provisioning one firm (schema, tables, stamp, owner, defaults): median of 20.

Baseline in the same run: one transaction that creates an empty schema with a
single one-column table, i.e. the fixed cost of a schema in PostgreSQL.
Run: ``python bench/provision.py``
"""

from common import bench_app, median_ms, report, timed

from tenants import db
from tenants.naming import quote_schema
from yk_saas.platform.services import FirmSignup, signup_firm

RUNS = 20


def baseline(conn_engine, i):
    with conn_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {quote_schema(f't_base{i}')}")
        conn.exec_driver_sql(f'CREATE TABLE "t_base{i}".x (id int primary key)')


def main():
    app = bench_app()
    with app.app_context():
        base = [timed(baseline, db.engine, i) for i in range(RUNS)]
        firms = [
            timed(
                signup_firm,
                FirmSignup(
                    firm_name=f"Bench {i}",
                    slug=f"bench{i:03d}",
                    owner_name="Owner",
                    email=f"o{i}@bench.example.com",
                    password="Bench-pass-2026",
                ),
            )
            for i in range(RUNS)
        ]
        tables = db.session.execute(
            db.text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 't_bench000'"
            )
        ).scalar()
    report(
        "Provisioning one firm",
        [
            ("firm tables created", str(tables)),
            ("signup → firm ready, median of 20", f"{median_ms(firms):.0f} ms"),
            ("baseline: empty schema + 1 table, median of 20", f"{median_ms(base):.1f} ms"),
            ("ratio firm / baseline", f"{median_ms(firms) / median_ms(base):.1f}×"),
        ],
    )


if __name__ == "__main__":
    main()
