"""Checksums of a firm schema, to show that a request changed nothing."""

from sqlalchemy import text

from tenants import db

#: Columns a signed-in request refreshes by itself (a session's last activity, every few minutes).
BOOKKEEPING = {"user_sessions": "last_seen_at"}


def fingerprint(app, schema):
    """A checksum of every row of every table in a firm schema."""
    with app.app_context():
        tables = db.session.scalars(
            text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s ORDER BY 1"
            ),
            {"s": schema},
        ).all()
        sums = {}
        for table in tables:
            row = (
                "t::text"
                if table not in BOOKKEEPING
                else f"(to_jsonb(t) - '{BOOKKEEPING[table]}')::text"
            )
            sums[table] = db.session.scalar(
                text(
                    f"SELECT md5(coalesce(string_agg({row}, ',' ORDER BY {row}), '')) FROM \"{schema}\".\"{table}\" t"
                )
            )
        return sums
