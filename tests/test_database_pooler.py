"""Behind PgBouncer in transaction pooling mode psycopg prepares no server-side statements.

The full proof is ``scripts/pgbouncer_tests.sh`` (the isolation, claim,
billing, worker and tenancy tests through a real PgBouncer, in CI); this
checks the setting reaches the driver's connections.
"""

import pytest
from sqlalchemy import text

from tenants import db
from yk_saas import create_app


def driver_prepare_threshold(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        return conn.connection.driver_connection.prepare_threshold


def test_pgbouncer_turns_prepared_statements_off(app_config):
    pooled = create_app({**app_config, "DATABASE_POOLER": "pgbouncer"})
    direct = create_app({**app_config, "DATABASE_POOLER": ""})
    assert driver_prepare_threshold(pooled) is None
    assert driver_prepare_threshold(direct) == 5  # psycopg's default, on a direct connection
    for app in (pooled, direct):
        with app.app_context():
            db.engine.dispose()


def test_an_unknown_pooler_is_refused_at_start_up(app_config):
    with pytest.raises(RuntimeError, match="DATABASE_POOLER"):
        create_app({**app_config, "DATABASE_POOLER": "pgpool"})
