"""Report tables sorted on the server by the column the reader picks (``?sort=<column>&dir=asc``).

The column headers are plain links (they work without script); HTMX swaps only the table
and keeps the address in the location bar.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class TableSort:
    column: str
    direction: str = "desc"

    def next_direction(self, column: str, first: str = "desc") -> str:
        """The direction a click on ``column``'s header asks for: the other way on the current
        column, else the column's natural first direction (names A→Z, figures largest first)."""
        if column == self.column:
            return "asc" if self.direction == "desc" else "desc"
        return first

    def aria(self, column: str) -> str | None:
        if column != self.column:
            return None
        return "ascending" if self.direction == "asc" else "descending"


def parse_sort(args, columns: Iterable[str], default: TableSort) -> TableSort:
    """The sort the query string asks for, or ``default`` when it names no known column."""
    column, direction = args.get("sort"), args.get("dir")
    if column not in set(columns):
        return default
    return TableSort(column, direction if direction in DIRECTIONS else "desc")


def sort_rows(rows, sort: TableSort, value_of: Callable, name_of: Callable) -> list:
    """``rows`` ordered by ``value_of(row, sort.column)``; rows without a value go last whichever
    the direction, and rows with equal values stay in name order."""
    by_name = sorted(rows, key=lambda row: name_of(row).casefold())
    known = [row for row in by_name if value_of(row, sort.column) is not None]
    unknown = [row for row in by_name if value_of(row, sort.column) is None]
    # sorted() stays stable with reverse=True: equal values keep their name order.
    known.sort(key=lambda row: value_of(row, sort.column), reverse=sort.direction == "desc")
    return known + unknown
