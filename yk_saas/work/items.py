"""Filing orders and requests, who may see what, progress and the state machine.

Services flush and never commit: the request, the job or the command commits.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select

from tenants import db
from yk_saas import signals
from yk_saas.access import ACCOUNTANT, CLIENT, MANAGERS
from yk_saas.bounded import parse_int
from yk_saas.catalog.models import ServiceItem
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import visible_company_ids
from yk_saas.files.models import StoredFile
from yk_saas.files.services import DOCUMENTS, MB, UploadError, delete_stored_file, save_upload
from yk_saas.models_base import utcnow
from yk_saas.search import matches
from yk_saas.work import events
from yk_saas.work.claims import open_for_claims
from yk_saas.work.errors import WorkError
from yk_saas.work.labels import CLIENT_EVENTS, HANDLER_EVENTS
from yk_saas.work.models import URGENCIES, WorkEntry, WorkItem
from yk_saas.work.settings import get_settings

MAX_UPLOAD_BYTES = 10 * MB
MAX_FILES = 5


def check_transition(item: WorkItem, new: str) -> None:
    """Raise unless the item may go from its state to ``new``."""
    if not item.may_move_to(new):
        raise WorkError(_("An item cannot go from this state to the one chosen."))


def visible_condition(user):
    """SQL condition of the items ``user`` may see: their companies' (``visible_company_ids``),
    and for an accountant also the pool and what they were assigned."""
    own_companies = WorkItem.client_company_id.in_(visible_company_ids(user))
    if user.role != ACCOUNTANT:
        return own_companies
    return or_(own_companies, WorkItem.in_pool, WorkItem.assignee_id == user.id)


def visible_items_query(user, q: str = ""):
    """Items ``user`` may see (``visible_condition``), those matching the words ``q`` if given."""
    query = select(WorkItem).where(visible_condition(user))
    return query.where(search_condition(q)) if q else query


def search_condition(q: str):
    """An item whose number (``12`` or ``#12``), title, description, request type or
    client company contains ``q``."""
    number = parse_int(q.strip().lstrip("#"), 1)
    companies = select(ClientCompany.id).where(matches(q, ClientCompany.name))
    return or_(
        matches(q, WorkItem.title, WorkItem.description, WorkItem.request_type),
        WorkItem.client_company_id.in_(companies),
        *([WorkItem.id == number] if number else []),
    )


def get_visible_item(user, item_id: int) -> WorkItem | None:
    """The item if ``user`` may see it, else None (the view answers 404)."""
    return db.session.scalar(visible_items_query(user).where(WorkItem.id == item_id))


def can_work_on(user, item: WorkItem) -> bool:
    """Post progress and change state: the assignee or a manager."""
    return user.role in MANAGERS or (user.role == ACCOUNTANT and item.assignee_id == user.id)


def clean_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise WorkError(_("A title is required."), field="title")
    if len(title) > 200:
        raise WorkError(_("The title is too long (200 characters at most)."), field="title")
    return title


def published_service(service_id: int | None) -> ServiceItem:
    """A service clients may order, or a clear refusal."""
    service = db.session.get(ServiceItem, service_id) if service_id else None
    if service is None or not service.published:
        raise WorkError(_("This service is not available."))
    return service


def create_request(
    user,
    title,
    request_type,
    description="",
    urgency="normal",
    uploads=(),
    service_id=None,
    now=None,
) -> WorkItem:
    """A client files a business request (free, or priced through a linked service)."""
    settings = get_settings()
    if request_type not in (settings.request_types or []):
        raise WorkError(_("Choose a type from the list."), field="request_type")
    item = WorkItem(
        kind="request",
        title=clean_title(title),
        request_type=request_type,
        description=(description or "").strip(),
    )
    if service_id:
        service = published_service(service_id)
        item.service_id, item.price_cents, item.currency = (
            service.id,
            service.price_cents,
            service.currency,
        )
    return file_item(user, item, urgency, uploads, now)


def create_order(user, service_id, note="", urgency="normal", uploads=(), now=None) -> WorkItem:
    """A client orders a published catalog service at its current price."""
    service = published_service(service_id)
    item = WorkItem(
        kind="order",
        title=service.name,
        service_id=service.id,
        price_cents=service.price_cents,
        currency=service.currency,
        description=(note or "").strip(),
    )
    return file_item(user, item, urgency, uploads, now)


def file_item(user, item: WorkItem, urgency: str, uploads, now=None) -> WorkItem:
    """Save a new item with its attachments and route it (pool or approval)."""
    if user.role != CLIENT or not user.client_company_id:
        raise WorkError(_("Only a client can file work."))
    if urgency not in URGENCIES:
        raise WorkError(_("Choose an urgency from the list."), field="urgency")
    if item.price_cents is not None and item.price_cents < 0:
        raise WorkError(_("A price cannot be negative."))
    uploads = [u for u in uploads if u and u.filename]
    if len(uploads) > MAX_FILES:
        raise WorkError(_("Attach at most %(n)d files.", n=MAX_FILES), field="files")
    now = now or utcnow()
    item.urgency, item.client_company_id, item.created_by_id = (
        urgency,
        user.client_company_id,
        user.id,
    )
    item.state, item.created_at = "new", now
    db.session.add(item)
    db.session.flush()
    attach_files(uploads, "work_item", item.id, user.id)
    item.add_entry("event", event="filed", author_id=user.id, to_state="new")
    settings = get_settings()
    threshold = settings.approval_threshold_cents
    if threshold is not None and (item.price_cents or 0) > threshold:  # paid orders and requests
        item.approval = "pending"
        events.notify_staff("work_approval", events.manager_ids(), item)
    else:
        open_for_claims(item, now)
    signals.work_item_created.send(current_app._get_current_object(), item_id=item.id)
    return item


def attach_files(uploads, owner_type: str, owner_id: int, user_id: int) -> list[StoredFile]:
    """Store every upload or none: a refused one removes those already written."""
    saved = []
    try:
        for upload in uploads:
            saved.append(
                save_upload(
                    upload,
                    allowed=DOCUMENTS,
                    max_bytes=MAX_UPLOAD_BYTES,
                    owner_type=owner_type,
                    owner_id=owner_id,
                    uploaded_by_id=user_id,
                )
            )
    except UploadError as exc:
        for stored in saved:
            delete_stored_file(stored)
        raise WorkError(str(exc), field="files") from exc
    return saved


def post_progress(
    item: WorkItem, user, body: str, new_state: str | None = None, uploads=(), now=None
) -> WorkEntry:
    """The assignee (or a manager) adds a timeline entry, optionally moving the state."""
    item.lock()
    if not can_work_on(user, item):
        raise WorkError(_("Only the assigned accountant or an admin can post progress."))
    body = (body or "").strip()
    uploads = [u for u in uploads if u and u.filename]
    if new_state == item.state:
        new_state = None
    if new_state:
        check_transition(item, new_state)
    elif item.state in ("new", "done", "cancelled"):
        raise WorkError(_("This item takes no progress in its current state."))
    if not body and not new_state and not uploads:
        raise WorkError(_("Write a note, attach a file or choose a new state."))
    now = now or utcnow()
    entry = item.add_entry(
        "progress",
        author_id=user.id,
        body=body,
        from_state=item.state if new_state else None,
        to_state=new_state,
    )
    attach_files(uploads, "work_entry", entry.id, user.id)
    item.last_progress_at, item.reminded_at, item.stale_escalated_at = now, None, None
    if new_state:
        apply_state(item, new_state, now)
    events.notify_client("work_done" if new_state == "done" else "work_progress", item)
    return entry


def apply_state(item: WorkItem, new_state: str, now) -> None:
    item.state = new_state
    if new_state == "done":
        item.completed_at = now
        signals.work_item_completed.send(current_app._get_current_object(), item_id=item.id)


def post_reply(item: WorkItem, user, body: str, uploads=(), now=None) -> WorkEntry:
    """The client answers when the accountant waits on them; the item goes back to work."""
    item.lock()
    if user.role != CLIENT or item.client_company_id != user.client_company_id:
        raise WorkError(_("Only the client can reply here."))
    if item.state != "waiting_on_client":
        raise WorkError(_("You can reply when the accountant asks you for something."))
    body = (body or "").strip()
    uploads = [u for u in uploads if u and u.filename]
    if not body and not uploads:
        raise WorkError(_("Write a reply or attach a file."))
    entry = item.add_entry(
        "reply", author_id=user.id, body=body, from_state=item.state, to_state="in_progress"
    )
    attach_files(uploads, "work_entry", entry.id, user.id)
    item.state = "in_progress"
    if item.assignee_id:
        events.notify_staff("work_reply", [item.assignee_id], item)
    return entry


def timeline(item: WorkItem, for_client: bool) -> list[tuple[WorkEntry, list[StoredFile]]]:
    """The item's entries, oldest first, each with its files (internal lines hidden from clients)."""
    query = select(WorkEntry).where(WorkEntry.work_item_id == item.id).order_by(WorkEntry.id)
    if for_client:
        # Internal lines, and any event the client has no words for (reminders, escalations).
        query = query.where(
            WorkEntry.internal.is_(False),
            or_(WorkEntry.kind != "event", WorkEntry.event.in_(CLIENT_EVENTS)),
        )
    entries = db.session.scalars(query).all()
    files = (
        db.session.scalars(
            select(StoredFile).where(
                StoredFile.owner_type == "work_entry",
                StoredFile.owner_id.in_([e.id for e in entries]),
            )
        ).all()
        if entries
        else []
    )
    by_entry = {}
    for stored in files:
        by_entry.setdefault(stored.owner_id, []).append(stored)
    return [(e, by_entry.get(e.id, [])) for e in entries]


def handler_id(entry: WorkEntry) -> int | None:
    """Who handles the work after an assignment event: the person assigned, or who claimed it."""
    if entry.kind != "event" or entry.event not in HANDLER_EVENTS:
        return None
    return (entry.details or {}).get("to") or (
        entry.author_id if entry.event == "claimed" else None
    )


def handler_names(entries) -> dict[int, str]:
    """Names of the handlers the assignment events of ``entries`` name, in one query."""
    from yk_saas.accounts.models import User

    ids = {handler_id(entry) for entry, _files in entries} - {None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def item_files(item: WorkItem) -> list[StoredFile]:
    return list(
        db.session.scalars(
            select(StoredFile)
            .where(StoredFile.owner_type == "work_item", StoredFile.owner_id == item.id)
            .order_by(StoredFile.id)
        )
    )


def get_visible_file(user, file_id: int) -> StoredFile | None:
    """A work attachment the user may download: only through an item they can see."""
    stored = db.session.get(StoredFile, file_id)
    if stored is None or stored.owner_type not in ("work_item", "work_entry"):
        return None
    item_id = stored.owner_id
    if stored.owner_type == "work_entry":
        entry = db.session.get(WorkEntry, stored.owner_id)
        if entry is None or (entry.internal and user.role == CLIENT):
            return None
        item_id = entry.work_item_id
    return stored if get_visible_item(user, item_id) else None
