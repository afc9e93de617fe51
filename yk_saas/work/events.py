"""Notification events of work items, and who receives them."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS
from yk_saas.accounts.models import User
from yk_saas.notifications.services import EventType, notify, notify_many

EVENT_TYPES = (
    EventType("work_new", _l("New work in the pool: %(title)s")),
    EventType("work_claimed", _l("%(name)s is now working on: %(title)s")),
    EventType("work_assigned", _l("You were assigned: %(title)s")),
    EventType("work_escalated", _l('Nobody claimed "%(title)s" in time: please assign it')),
    EventType("work_approval", _l("An order waits for your approval: %(title)s")),
    EventType("work_rejected", _l("Your order was not accepted: %(title)s")),
    EventType("work_progress", _l("Progress on: %(title)s")),
    EventType("work_reply", _l("The client replied on: %(title)s")),
    EventType("work_reminder", _l("No progress yet on: %(title)s")),
    EventType("work_stale", _l('No progress on "%(title)s" after a reminder')),
    EventType("work_done", _l("Done: %(title)s. How did we do?")),
    EventType("work_rated", _l("A client rated: %(title)s")),
)


def desk_link(item_id: int) -> str:
    return f"/desk/work/{item_id}"


def portal_link(item_id: int) -> str:
    return f"/portal/work/{item_id}"


def manager_ids() -> list[int]:
    return list(
        db.session.scalars(select(User.id).where(User.role.in_(MANAGERS), User.is_active.is_(True)))
    )


def company_user_ids(company_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).where(User.client_company_id == company_id, User.is_active.is_(True))
        )
    )


POOL_LINK = "/desk/work/pool"


def notify_staff(event: str, user_ids, item) -> None:
    # "New in the pool" goes to every accountant on duty; once one claims it, the others may
    # no longer open the item, so their link is the pool itself.
    link = POOL_LINK if event == "work_new" else desk_link(item.id)
    notify(event, user_ids, link=link, title=item.title)


def notify_staff_many(event: str, notices) -> None:
    """``notify_staff`` for many items at once: (user ids, item id, title) each."""
    notify_many(
        event, [(ids, desk_link(item_id), {"title": title}) for ids, item_id, title in notices]
    )


def company_user_ids_of(company_ids) -> dict[int, list[int]]:
    """company id → its active users, for many companies in one query."""
    users: dict[int, list[int]] = {}
    for company_id, user_id in db.session.execute(
        select(User.client_company_id, User.id).where(
            User.client_company_id.in_(list(company_ids)), User.is_active.is_(True)
        )
    ):
        users.setdefault(company_id, []).append(user_id)
    return users


def notify_clients_many(event: str, notices) -> None:
    """``notify_client`` for many items at once: (user ids, item id, title, name) each."""
    notify_many(
        event,
        [
            (ids, portal_link(item_id), {"title": title, "name": name})
            for ids, item_id, title, name in notices
        ],
    )


def notify_client(event: str, item, **params) -> None:
    """Tell the people of the item's company (they all follow their company's work)."""
    notify(
        event,
        company_user_ids(item.client_company_id),
        link=portal_link(item.id),
        title=item.title,
        **params,
    )
