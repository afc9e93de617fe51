"""Complaints (F2): filed by clients, handled by admins, checked again a few days later.

The check's time goes into the due-work index (kind ``complaint-followups``) in the
transaction that closes the complaint; the job writes back the next unsent one's.
"""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from tenants import current_tenant, db
from yk_saas import due
from yk_saas.access import MANAGERS
from yk_saas.accounts.models import User
from yk_saas.audit.services import record_audit
from yk_saas.clients.models import ClientCompany
from yk_saas.clients.services import visible_companies_query
from yk_saas.errors import UserError
from yk_saas.feedback.models import CLOSED_STATES, COMPLAINT_STATES, Complaint, ComplaintNote
from yk_saas.files.models import StoredFile
from yk_saas.files.services import DOCUMENTS, MB, save_upload
from yk_saas.models_base import utcnow
from yk_saas.notifications.services import EventType, notify

FILE_OWNER = "complaint"
FOLLOWUP_AFTER = timedelta(days=3)
DUE_KIND = "complaint-followups"
MAX_FILES = 5

EVENT_TYPES = (
    EventType("complaint_filed", _l("New complaint from %(company)s: %(title)s")),
    EventType("complaint_resolved", _l('Your complaint "%(title)s" has an answer')),
    EventType("complaint_followup", _l('Is your complaint "%(title)s" solved?')),
    EventType("complaint_reopened", _l('A client says complaint "%(title)s" is not solved')),
)


class ComplaintError(UserError):
    """A problem the user can fix."""


def manager_ids() -> list[int]:
    return list(
        db.session.scalars(select(User.id).where(User.role.in_(MANAGERS), User.is_active.is_(True)))
    )


def client_ids(company_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.client_company_id == company_id)))


def visible_complaints_query(user: User):
    """Complaints of companies the user may see (a client: its own company's)."""
    companies = visible_companies_query(user).with_only_columns(ClientCompany.id)
    if user.role == "accountant":
        return select(Complaint).where(
            or_(Complaint.company_id.in_(companies), Complaint.about_accountant_id == user.id)
        )
    return select(Complaint).where(Complaint.company_id.in_(companies))


def get_visible_complaint(user: User, complaint_id: int) -> Complaint | None:
    """The complaint if ``user`` may see it, else None."""
    return db.session.scalar(visible_complaints_query(user).where(Complaint.id == complaint_id))


def file_complaint(
    user: User,
    title: str,
    description: str,
    about_accountant: bool = False,
    about_item: str | None = None,
    uploads=(),
) -> Complaint:
    """A client user files a complaint (with files); admins are notified."""
    company = user.client_company
    if company is None:
        raise ComplaintError(_("Only a client company's users can file complaints."))
    complaint = Complaint(
        company_id=company.id,
        filed_by_id=user.id,
        title=title.strip(),
        description=description.strip(),
        about_accountant_id=company.dedicated_accountant_id if about_accountant else None,
        about_item=(about_item or "").strip() or None,
    )
    db.session.add(complaint)
    db.session.flush()
    for upload in [u for u in uploads if u and u.filename][:MAX_FILES]:
        save_upload(
            upload,
            allowed=DOCUMENTS,
            max_bytes=10 * MB,
            owner_type=FILE_OWNER,
            owner_id=complaint.id,
            uploaded_by_id=user.id,
        )
    notify(
        "complaint_filed",
        manager_ids(),
        link=f"/desk/feedback/complaints/{complaint.id}",
        company=company.name,
        title=complaint.title,
    )
    return complaint


def set_state(complaint: Complaint, state: str, by: User, resolution: str | None = None) -> None:
    """Move a complaint on; resolving or rejecting needs a resolution the client will read."""
    if state not in COMPLAINT_STATES:
        raise ComplaintError(_("Unknown state."))
    if state in CLOSED_STATES:
        if not (resolution or "").strip():
            raise ComplaintError(_("Write the resolution the client will see."))
        complaint.resolution = resolution.strip()
        complaint.resolved_by_id, complaint.resolved_at = by.id, utcnow()
        complaint.followup_due_at, complaint.followup_sent_at = utcnow() + FOLLOWUP_AFTER, None
        due.mark_due(DUE_KIND, complaint.followup_due_at)
        complaint.client_satisfied = None
        plan_complaint_followup(complaint, by)
        record_audit("complaint_" + state, "complaint", complaint.id, actor=by)
        notify(
            "complaint_resolved",
            client_ids(complaint.company_id),
            link=f"/portal/feedback/complaints/{complaint.id}",
            title=complaint.title,
        )
    complaint.state = state


def plan_complaint_followup(complaint: Complaint, by: User) -> None:
    """The follow-up promised with a resolution goes on the 回访 list of the company's
    accountant, on the day the client is asked whether it is solved."""
    from yk_saas.feedback.followups import schedule_followup

    schedule_followup(
        db.session.get(ClientCompany, complaint.company_id),
        current_tenant().today() + FOLLOWUP_AFTER,
        "phone",
        _('Complaint follow-up: "%(title)s"', title=complaint.title)[:300],
        by,
    )


def add_note(complaint: Complaint, body: str, by: User) -> ComplaintNote:
    """An internal note on a complaint, for staff only."""
    if not (body or "").strip():
        raise ComplaintError(_("Write something first."))
    note = ComplaintNote(complaint_id=complaint.id, author_id=by.id, body=body.strip())
    db.session.add(note)
    db.session.flush()
    return note


def notes_of(complaint_id: int):
    return db.session.scalars(
        select(ComplaintNote)
        .where(ComplaintNote.complaint_id == complaint_id)
        .order_by(ComplaintNote.id)
    ).all()


def files_of(complaint_id: int):
    return db.session.scalars(
        select(StoredFile)
        .where(StoredFile.owner_type == FILE_OWNER, StoredFile.owner_id == complaint_id)
        .order_by(StoredFile.id)
    ).all()


def get_visible_file(user: User, key: str) -> StoredFile | None:
    """A complaint's file by its key if ``user`` may see the complaint, else None."""
    ids = visible_complaints_query(user).with_only_columns(Complaint.id)
    return db.session.scalar(
        select(StoredFile).where(
            StoredFile.key == key, StoredFile.owner_type == FILE_OWNER, StoredFile.owner_id.in_(ids)
        )
    )


def answer_followup(complaint: Complaint, solved: bool) -> None:
    """The client says whether it is solved; "no" reopens it and tells the admins."""
    if complaint.state not in CLOSED_STATES:
        return
    complaint.client_satisfied = solved
    if not solved:
        complaint.state = "investigating"
        notify(
            "complaint_reopened",
            manager_ids(),
            link=f"/desk/feedback/complaints/{complaint.id}",
            title=complaint.title,
        )


def next_followup_due():
    """When the next "is it solved?" check is due (None: no closed complaint waits for one)."""
    return db.session.scalar(
        select(func.min(Complaint.followup_due_at)).where(
            Complaint.state.in_(CLOSED_STATES), Complaint.followup_sent_at.is_(None)
        )
    )


def send_due_followups(now=None) -> int:
    """Ask the client of every closed complaint whose check is due; each is asked once. Commits."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Complaint.id).where(
            Complaint.state.in_(CLOSED_STATES),
            Complaint.followup_due_at <= now,
            Complaint.followup_sent_at.is_(None),
        )
    ).all()
    sent = 0
    for complaint_id in due:
        # The conditional update makes a second worker (or a retry) skip what was sent.
        claimed = db.session.execute(
            update(Complaint)
            .where(Complaint.id == complaint_id, Complaint.followup_sent_at.is_(None))
            .values(followup_sent_at=now)
        )
        if claimed.rowcount:
            complaint = db.session.get(Complaint, complaint_id)
            notify(
                "complaint_followup",
                client_ids(complaint.company_id),
                link=f"/portal/feedback/complaints/{complaint.id}",
                title=complaint.title,
            )
            sent += 1
        db.session.commit()  # per complaint: the claim's row lock is held only this long
    return sent
