"""Contacts, tags and notes of a client company."""

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from tenants import db
from yk_saas.accounts.models import User
from yk_saas.bounded import has_control_characters
from yk_saas.clients.models import ClientContact, ClientNote, ClientTag
from yk_saas.clients.services import ClientError

MAX_TAGS = 12


def contacts_of(company_id: int):
    return db.session.scalars(
        select(ClientContact)
        .where(ClientContact.company_id == company_id)
        .order_by(ClientContact.is_primary.desc(), ClientContact.name)
    ).all()


def primary_contact(company_id: int) -> ClientContact | None:
    return db.session.scalar(
        select(ClientContact).where(
            ClientContact.company_id == company_id, ClientContact.is_primary.is_(True)
        )
    )


def add_contact(company_id: int, name: str, primary: bool = False, **details) -> ClientContact:
    """Add a contact; the first one (or one marked primary) becomes the primary contact."""
    if not (name or "").strip():
        raise ClientError(_("A contact needs a name."))
    first = primary_contact(company_id) is None
    contact = ClientContact(
        company_id=company_id,
        name=name.strip(),
        **{k: (v or "").strip() or None for k, v in details.items()},
    )
    db.session.add(contact)
    db.session.flush()
    if primary or first:
        make_primary(contact)
    return contact


def make_primary(contact: ClientContact) -> None:
    """Make ``contact`` the company's only primary contact (the caller commits)."""
    db.session.execute(
        update(ClientContact)
        .where(ClientContact.company_id == contact.company_id, ClientContact.id != contact.id)
        .values(is_primary=False)
    )
    db.session.flush()
    contact.is_primary = True
    db.session.flush()


def get_contact(company_id: int, contact_id: int) -> ClientContact | None:
    return db.session.scalar(
        select(ClientContact).where(
            ClientContact.company_id == company_id, ClientContact.id == contact_id
        )
    )


def remove_contact(contact: ClientContact) -> None:
    """Delete a contact; if it was primary, the next one (by name) takes over."""
    company_id, was_primary = contact.company_id, contact.is_primary
    db.session.delete(contact)
    db.session.flush()
    if was_primary:
        successor = db.session.scalar(
            select(ClientContact)
            .where(ClientContact.company_id == company_id)
            .order_by(ClientContact.name)
            .limit(1)
        )
        if successor:
            make_primary(successor)


def parse_tags(text: str | None) -> list[str]:
    """``"VIP, export，VIP"`` → ``["VIP", "export"]`` (commas of either width, order kept)."""
    if has_control_characters(text or ""):
        raise ClientError(_("Remove the control characters (such as NUL) from this field."))
    if len(text or "") > MAX_TAGS * 42:
        raise ClientError(_("At most %(n)d tags.", n=MAX_TAGS))
    tags = []
    for part in (text or "").replace("，", ",").split(","):
        tag = part.strip()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ClientError(_("At most %(n)d tags.", n=MAX_TAGS))
    return tags


def tags_of(company_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(ClientTag.tag).where(ClientTag.company_id == company_id).order_by(ClientTag.tag)
        )
    )


def tags_by_company(company_ids) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(ClientTag.company_id, ClientTag.tag)
        .where(ClientTag.company_id.in_(list(company_ids)))
        .order_by(ClientTag.tag)
    )
    for company_id, tag in rows:
        result.setdefault(company_id, []).append(tag)
    return result


def all_tags() -> list[str]:
    return list(
        db.session.scalars(select(ClientTag.tag).group_by(ClientTag.tag).order_by(ClientTag.tag))
    )


def set_tags(company_id: int, tags: list[str]) -> None:
    """Replace the company's tags (the caller commits)."""
    db.session.execute(delete(ClientTag).where(ClientTag.company_id == company_id))
    db.session.add_all(ClientTag(company_id=company_id, tag=tag) for tag in tags)
    db.session.flush()


def current_notes(company_id: int):
    """The latest version of every note, newest first, with how many versions each has."""
    return db.session.scalars(
        select(ClientNote)
        .where(ClientNote.company_id == company_id, ClientNote.superseded.is_(False))
        .order_by(ClientNote.created_at.desc(), ClientNote.id.desc())
    ).all()


def add_note(company_id: int, body: str, author: User) -> ClientNote:
    if not (body or "").strip():
        raise ClientError(_("Write something first."))
    note = ClientNote(company_id=company_id, body=body.strip(), author_id=author.id)
    db.session.add(note)
    db.session.flush()
    return note


def edit_note(note: ClientNote, body: str, author: User) -> ClientNote:
    """Keep the old text as history and add the new version."""
    new = add_note(note.company_id, body, author)
    new.replaces_id = note.id
    note.superseded = True
    db.session.flush()
    return new


def get_note(company_id: int, note_id: int) -> ClientNote | None:
    return db.session.scalar(
        select(ClientNote).where(ClientNote.company_id == company_id, ClientNote.id == note_id)
    )


def note_history(note: ClientNote) -> list[ClientNote]:
    """Every version of a note, newest first."""
    versions, current = [], note
    while current is not None and len(versions) < 100:
        versions.append(current)
        current = db.session.get(ClientNote, current.replaces_id) if current.replaces_id else None
    return versions


def note_counts(company_id: int) -> dict[int, int]:
    """note id → number of versions, for the latest versions of a company's notes."""
    notes = db.session.execute(
        select(ClientNote.id, ClientNote.replaces_id).where(ClientNote.company_id == company_id)
    ).all()
    parent = dict(notes)
    counts = {}
    for note_id, _replaces in notes:
        depth, current = 1, parent.get(note_id)
        while current:
            depth, current = depth + 1, parent.get(current)
        counts[note_id] = depth
    return counts


def count_contacts(company_id: int) -> int:
    return db.session.scalar(
        select(func.count(ClientContact.id)).where(ClientContact.company_id == company_id)
    )
