"""Notification events of work items, and who receives them."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tenants import db
from yk_saas.access import MANAGERS
from yk_saas.accounts.models import User
from yk_saas.notifications.services import notify, register_event

register_event("work_new", _l("New work in the pool: %(title)s"))
register_event("work_claimed", _l("%(name)s is now working on: %(title)s"))
register_event("work_assigned", _l("You were assigned: %(title)s"))
register_event("work_escalated", _l("Nobody claimed \"%(title)s\" in time: please assign it"))
register_event("work_approval", _l("An order waits for your approval: %(title)s"))
register_event("work_rejected", _l("Your order was not accepted: %(title)s"))
register_event("work_progress", _l("Progress on: %(title)s"))
register_event("work_reply", _l("The client replied on: %(title)s"))
register_event("work_reminder", _l("No progress yet on: %(title)s"))
register_event("work_stale", _l("No progress on \"%(title)s\" after a reminder"))
register_event("work_done", _l("Done: %(title)s. How did we do?"))
register_event("work_rated", _l("A client rated: %(title)s"))


def desk_link(item_id: int) -> str:
    return f"/desk/work/{item_id}"


def portal_link(item_id: int) -> str:
    return f"/portal/work/{item_id}"


def manager_ids() -> list[int]:
    return list(db.session.scalars(
        select(User.id).where(User.role.in_(MANAGERS), User.is_active.is_(True))))


def company_user_ids(company_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(
        User.client_company_id == company_id, User.is_active.is_(True))))


def notify_staff(event: str, user_ids, item) -> None:
    notify(event, user_ids, link=desk_link(item.id), title=item.title)


def notify_client(event: str, item, **params) -> None:
    """Tell the people of the item's company (they all follow their company's work)."""
    notify(event, company_user_ids(item.client_company_id), link=portal_link(item.id),
           title=item.title, **params)
