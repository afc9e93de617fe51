"""Inserting thousands of rows in one short statement.

A multi-row ``VALUES`` list grows with the rows: every batch is a new statement
text that SQLAlchemy compiles and the driver parses again (both cache only
short statements). Here each column's values travel as one array parameter
and PostgreSQL unnests them side by side, so the statement text stays the
same whatever the number of rows, and a conditional insert
(``ON CONFLICT DO NOTHING … RETURNING``) still decides row by row.
"""

import json

from sqlalchemy import JSON, Table, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.types import Text

from tenants import db


def _column_values(table: Table, name: str, rows: list[dict]):
    column = table.c[name]
    values = [row[name] for row in rows]
    if isinstance(column.type, JSON | JSONB):
        # No JSON arrays in a bind parameter: the documents go as text, cast one by one.
        texts = bindparam(None, [json.dumps(v) for v in values], type_=ARRAY(Text))
        return cast(func.unnest(cast(texts, ARRAY(Text))), column.type).label(name)
    array_type = ARRAY(column.type)
    return func.unnest(cast(bindparam(None, values, type_=array_type), array_type)).label(name)


def insert_rows(
    table: Table,
    rows: list[dict],
    returning: tuple = (),
    unique_key: tuple[str, ...] | None = None,
):
    """``INSERT INTO table (columns of rows[0]) SELECT unnest(…), …`` with ``returning``
    columns; with ``unique_key``, rows that would break it are skipped (``ON CONFLICT
    (unique_key) DO NOTHING``) and not returned. Every row must have the same keys.
    Returns the result (its rows in no particular order), or None when no rows."""
    if not rows:
        return None
    names = list(rows[0])
    stmt = insert(table).from_select(
        names, select(*(_column_values(table, name, rows) for name in names))
    )
    if unique_key:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(unique_key))
    if returning:
        stmt = stmt.returning(*returning)
    return db.session.execute(stmt)
