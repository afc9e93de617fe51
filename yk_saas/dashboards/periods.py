"""Report periods: a month ("2026-10"), a quarter ("2026-Q4") or a year ("2026") in the firm's timezone."""

import re
from dataclasses import dataclass
from datetime import datetime

from tenants import current_tenant
from yk_saas.models_base import utcnow

PATTERN = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


@dataclass(frozen=True)
class ReportPeriod:
    key: str
    start: datetime
    end: datetime


def month_start(year: int, month: int, zone) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=zone)


def parse_period(text: str | None) -> ReportPeriod:
    """The period named by ``text``; the current month when it is missing or malformed."""
    zone = current_tenant().zone
    match = PATTERN.match((text or "").strip())
    if not match or not 2000 <= int(match.group(1)) <= 2099:
        now = utcnow().astimezone(zone)
        return month_period(now.year, now.month)
    year = int(match.group(1))
    if match.group(2):
        return month_period(year, int(match.group(2)))
    if match.group(3):
        first = (int(match.group(3)) - 1) * 3 + 1
        return ReportPeriod(
            match.group(0), month_start(year, first, zone), month_start(year, first + 3, zone)
        )
    return ReportPeriod(str(year), month_start(year, 1, zone), month_start(year + 1, 1, zone))


def month_period(year: int, month: int) -> ReportPeriod:
    zone = current_tenant().zone
    return ReportPeriod(
        f"{year:04d}-{month:02d}",
        month_start(year, month, zone),
        month_start(year, month + 1, zone),
    )


def last_months(count: int, until: ReportPeriod | None = None) -> list[ReportPeriod]:
    """The ``count`` months up to and including the current (or given) one, oldest first."""
    end = until or parse_period(None)
    year, month = end.start.year, end.start.month
    return [
        month_period(year + (month - 1 - i) // 12, (month - 1 - i) % 12 + 1)
        for i in reversed(range(count))
    ]
