"""Where features plug their figures into staff performance and the dashboards.

Each feature registers what it knows about (work items, money, complaints,
clients); the report pages show whatever is registered. Registration happens
when the feature's module is imported (its views module, via features.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

#: kind says how a value is shown: "count", "seconds" (a duration), "money" (minor units of the
#: firm currency), "score" (an average such as 4.2), "percent".
KINDS = ("count", "seconds", "money", "score", "percent")


@dataclass(frozen=True)
class Metric:
    key: str
    label: object  # lazy_gettext string
    kind: str
    #: Sort order on pages; lower first.
    order: int = 100


#: fn(start, end) -> {user_id: {metric_key: value}} for staff in the period [start, end).
StaffProvider = Callable[[datetime, datetime], dict[int, dict[str, object]]]
#: fn(start, end) -> {company_id: {metric_key: value}} for client companies in the period.
ClientProvider = Callable[[datetime, datetime], dict[int, dict[str, object]]]

STAFF_METRICS: dict[str, Metric] = {}
STAFF_PROVIDERS: list[StaffProvider] = []
CLIENT_METRICS: dict[str, Metric] = {}
CLIENT_PROVIDERS: list[ClientProvider] = []


@dataclass(frozen=True)
class DashboardCard:
    """A firm dashboard card: an HTMX fragment served by ``endpoint`` (managers only)."""

    key: str
    title: object
    endpoint: str
    order: int = 100


DASHBOARD_CARDS: dict[str, DashboardCard] = {}


def add_staff_provider(provider: StaffProvider, *metrics: Metric) -> None:
    """A StaffProvider and the metrics it yields (called from a feature's init_app)."""
    for metric in metrics:
        STAFF_METRICS[metric.key] = metric
    if provider not in STAFF_PROVIDERS:
        STAFF_PROVIDERS.append(provider)


def add_client_provider(provider: ClientProvider, *metrics: Metric) -> None:
    """A ClientProvider and the metrics it yields (called from a feature's init_app)."""
    for metric in metrics:
        CLIENT_METRICS[metric.key] = metric
    if provider not in CLIENT_PROVIDERS:
        CLIENT_PROVIDERS.append(provider)


def add_dashboard_card(card: DashboardCard) -> None:
    DASHBOARD_CARDS[card.key] = card


def collect(providers, start: datetime, end: datetime) -> dict[int, dict[str, object]]:
    """Every provider's figures merged per id."""
    merged: dict[int, dict[str, object]] = {}
    for provider in providers:
        for object_id, values in provider(start, end).items():
            merged.setdefault(object_id, {}).update(values)
    return merged
