"""The one CSV writer of every export: UTF-8 with a BOM, and no cell a spreadsheet runs as a formula."""

import csv
import io
from collections.abc import Iterable, Iterator

#: First characters that make a spreadsheet read a cell as a formula (tab and CR too, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(cell):
    """Text starting like a formula is quoted; numbers, dates and empty cells pass as they are."""
    return "'" + cell if isinstance(cell, str) and cell[:1] in FORMULA_STARTS else cell


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Stream ``rows`` as CSV text, the BOM first (so spreadsheets read Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield BOM
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_bytes(rows: Iterable[Iterable]) -> bytes:
    """The whole of ``rows`` as one UTF-8 CSV document."""
    return "".join(csv_lines(rows)).encode("utf-8")
