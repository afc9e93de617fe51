"""Shared set-up of the work tests: a firm of their own, people, items, a controlled clock."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.firms import provision_firm
from yk_saas.work import services as _work_services  # noqa: F401  (firm tables known)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@contextmanager
def firm(app, slug):
    """App context with the firm bound, like a job or a CLI command (messages in English):
    what the block wrote is committed when it ends, rolled back when it raises."""
    from flask_babel import force_locale

    with app.app_context(), tenant_context(slug), force_locale("en"):
        yield
        session = db.session()
        session.expire_on_commit = False  # the block's objects stay readable after it ends
        session.commit()


def new_firm(app, slug):
    return provision_firm(app, slug, slug.upper() + "MARK")


def person(email):
    from yk_saas.accounts.services import find_user_by_email

    return find_user_by_email(email)


def add_accountants(prefix, count, slug_domain):
    """``count`` more accountants; returns their ids."""
    from yk_saas.accounts.services import create_user

    users = [
        create_user(f"{prefix}{i}@{slug_domain}", f"{prefix} {i}", "accountant", PASSWORD)
        for i in range(count)
    ]
    db.session.commit()
    return [u.id for u in users]


def new_request(client_email, title="Renew business licence", urgency="normal", now=T0, **kw):
    """A request filed by the client at ``now``; returns its id."""
    from yk_saas.work.services import create_request, get_settings

    kind = get_settings().request_types[-1]
    item = create_request(person(client_email), title, kind, "Please help", urgency, now=now, **kw)
    db.session.commit()  # filed as a request would be: visible to other sessions at once
    return item.id


def item(item_id):
    from yk_saas.work.models import WorkItem

    db.session.expire_all()
    return db.session.get(WorkItem, item_id)


def entries(item_id, event=None):
    from yk_saas.work.models import WorkEntry

    query = select(WorkEntry).where(WorkEntry.work_item_id == item_id)
    if event:
        query = query.where(WorkEntry.event == event)
    return db.session.scalars(query).all()


def configure(**values):
    """Change the firm's work settings directly (tests only)."""
    from yk_saas.work.settings import get_settings

    settings = get_settings()
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.commit()


def reset_staff(*user_ids, on_duty=True, capacity=None):
    from yk_saas.work.services import set_capacity, set_on_duty

    for user_id in user_ids:
        set_on_duty(user_id, on_duty)
        set_capacity(user_id, capacity)
    db.session.commit()


def close_open_items():
    """Finish every open item, so capacity checks start from zero."""
    from sqlalchemy import update

    from yk_saas.work.models import WorkItem

    db.session.execute(
        update(WorkItem)
        .where(WorkItem.state.notin_(("done", "cancelled")))
        .values(state="cancelled")
    )
    db.session.commit()


def later(minutes):
    return T0 + timedelta(minutes=minutes)
