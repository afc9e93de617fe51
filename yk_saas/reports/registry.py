"""Where features plug their figures into staff performance and the dashboards, and their
part of each person's own to-do list into the desk overview.

Each feature registers what it knows about (work items, money, complaints,
clients) from its ``init_app``; the report pages show whatever is registered.
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


#: The sections of a person's own to-do list (the desk overview), in the order shown.
TODO_SECTIONS = ("overdue", "today", "open", "waiting", "books")
#: Within a section: urgent first, then by when it is due.
URGENCY_ORDER = {"urgent": 0, "normal": 1, "low": 2}


@dataclass(frozen=True)
class TodoEntry:
    """One thing on a person's own to-do list: what, for whom, where to do it, and by when."""

    section: str  # one of TODO_SECTIONS
    kind: object  # what sort of thing it is, a (lazy) label: "Request", "Follow-up", "Books"
    title: str
    link: str
    company: str | None = None
    urgency: str = "normal"
    #: When it is due (a datetime or a date), or since when it waits; None when it has no date.
    due: object = None


#: fn(user, now) -> the TodoEntry items that are ``user``'s own to do (never a colleague's).
TodoProvider = Callable[[object, datetime], list[TodoEntry]]
TODO_PROVIDERS: list[TodoProvider] = []


def add_todo_provider(provider: TodoProvider) -> None:
    """A feature's part of everyone's to-do list (called from the feature's init_app)."""
    if provider not in TODO_PROVIDERS:
        TODO_PROVIDERS.append(provider)
