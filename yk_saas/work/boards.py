"""The lists of work: the pool, my work, the admin board and the client's requests."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tenants import db
from yk_saas.bounded import parse_int
from yk_saas.models_base import utcnow
from yk_saas.paging import page_of
from yk_saas.search import MAX_QUERY
from yk_saas.work.items import visible_items_query
from yk_saas.work.models import KINDS, OPEN_STATES, STATES, URGENCIES, WorkItem

PER_PAGE = 25


@dataclass
class BoardFilters:
    """The admin board's filters, read leniently from query arguments."""

    state: str = ""
    kind: str = ""
    urgency: str = ""
    assignee_id: int | None = None
    company_id: int | None = None
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "BoardFilters":
        def number(name):
            return parse_int(args.get(name), 1)

        return cls(
            state=args.get("state", "") if args.get("state") in STATES else "",
            kind=args.get("kind", "") if args.get("kind") in KINDS else "",
            urgency=args.get("urgency", "") if args.get("urgency") in URGENCIES else "",
            assignee_id=number("assignee_id"),
            company_id=number("company_id"),
            overdue=args.get("overdue") == "1",
            q=(args.get("q") or "").strip()[:MAX_QUERY],
            page=number("page") or 1,
        )

    def args(self, **override) -> dict:
        values = {
            "state": self.state,
            "kind": self.kind,
            "urgency": self.urgency,
            "assignee_id": self.assignee_id,
            "company_id": self.company_id,
            "overdue": "1" if self.overdue else "",
            "q": self.q,
            "page": self.page,
            **override,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}


def overdue_condition(now):
    """Unclaimed past the deadline, or escalated for lack of progress."""
    return or_(
        (WorkItem.in_pool & (WorkItem.claim_deadline < now)),
        WorkItem.stale_escalated_at.isnot(None) & WorkItem.state.in_(OPEN_STATES),
    )


def with_people(query):
    return query.options(joinedload(WorkItem.company), joinedload(WorkItem.assignee))


def paginate(query, page: int):
    return page_of(with_people(query), PER_PAGE, page)


def board_page(user, filters: BoardFilters):
    """One page of the items ``user`` sees (a manager: every item), filtered, newest first."""
    query = visible_items_query(user, filters.q)
    for column, value in (
        (WorkItem.state, filters.state),
        (WorkItem.kind, filters.kind),
        (WorkItem.urgency, filters.urgency),
        (WorkItem.assignee_id, filters.assignee_id),
        (WorkItem.client_company_id, filters.company_id),
    ):
        if value:
            query = query.where(column == value)
    if filters.overdue:
        query = query.where(overdue_condition(utcnow()))
    return paginate(query.order_by(WorkItem.id.desc()), filters.page)


def pending_approvals():
    return db.session.scalars(
        with_people(
            select(WorkItem).where(WorkItem.approval == "pending", WorkItem.state == "new")
        ).order_by(WorkItem.id)
    ).all()


def pool_page(user, page: int = 1, q: str = ""):
    """Pool items the user may see (those matching ``q`` if given), most urgent deadline first."""
    query = visible_items_query(user, q).where(WorkItem.in_pool)
    return paginate(query.order_by(WorkItem.claim_deadline, WorkItem.id), page)


def my_work_page(user, page: int = 1, finished: bool = False):
    """The accountant's own items: open ones (or finished ones), oldest activity first."""
    states = ("done", "cancelled") if finished else OPEN_STATES
    query = select(WorkItem).where(WorkItem.assignee_id == user.id, WorkItem.state.in_(states))
    order = WorkItem.id.desc() if finished else WorkItem.last_progress_at
    return paginate(query.order_by(order, WorkItem.id), page)


def client_page(user, page: int = 1, state: str = ""):
    """The client company's own items, newest first."""
    query = select(WorkItem).where(WorkItem.client_company_id == user.client_company_id)
    if state in STATES:
        query = query.where(WorkItem.state == state)
    return paginate(query.order_by(WorkItem.id.desc()), page)
