"""Keyword search of the lists: one ``q`` argument, matched as typed (``%`` and ``_`` too).

Plain ``ILIKE '%…%'`` on a few columns: at a firm's scale (thousands of rows) a sequential
scan of one firm's table is quick, so there is no trigram index to keep.
"""

from flask import request
from sqlalchemy import false, or_

MAX_QUERY = 100
ESCAPE = "\\"


def arg_query() -> str:
    """The list's search words from the ``q`` argument, trimmed and bounded."""
    return (request.args.get("q") or "").strip()[:MAX_QUERY]


def like_pattern(text: str) -> str:
    """``%text%`` with the LIKE wildcards of ``text`` escaped, so they match themselves."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def matches(text: str, *columns):
    """SQL condition: one of ``columns`` contains ``text`` (case-insensitive, literally)."""
    text = (text or "").strip()
    if not columns:
        return false()
    pattern = like_pattern(text)
    return or_(*(column.ilike(pattern, escape=ESCAPE) for column in columns))
