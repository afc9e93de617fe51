"""No id or key in a URL opens an object its user may not see (IDOR probes).

A fixture builds, in firm alpha, one object of every kind a URL names, all of
Company X (its client user is ``client_x``, its dedicated accountant
``accountant``), and in firm bravo objects of the same kinds whose ids do not
exist in alpha at all. Every route of the URL map with an argument must say
which kinds of object it takes (``ROUTES``); a new route without an entry fails
``test_every_route_with_an_argument_names_its_object``.

The probes:

(a) ``client_y`` asks for Company X's objects: refused, none of their text;
(b) every alpha user asks for ids that exist only in bravo: 404, no bravo text;
(c) accountants see only the clients they are the dedicated accountant of
    (``visible_companies_query``): ``accountant2`` is refused Company X's
    objects, and a URL pairing Company X with a child of Company Y opens nothing;
(d) bravo users send alpha's ids and keys to their own host: no alpha text,
    and no key, token or file route finds anything.

Each batch checks that no schema changed. A positive control opens every
object as the user it belongs to, so a probe never aims at nothing.
"""

import io
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from tenants import db, tenant_context
from tests.support import PASSWORD
from tests.support.fingerprints import fingerprint
from tests.support.http import HostClient
from tests.support.routes import access_of, allowed_roles

ALPHA_ROLES = ("owner", "admin", "accountant", "accountant2", "client_x", "client_y")
ROLE_OF = {
    "owner": "owner",
    "admin": "admin",
    "accountant": "accountant",
    "accountant2": "accountant",
    "client_x": "client",
    "client_y": "client",
    "anonymous": None,
}
EVERYONE = (*ALPHA_ROLES, "anonymous")
#: Bravo's new rows start here, far above anything alpha holds.
BRAVO_ID_FLOOR = 900_000
SCHEMAS = ("t_alpha", "t_bravo", "public")
PDF, PNG = b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n"


# --- the objects ----------------------------------------------------------------------------------


@dataclass
class Obj:
    """One object as the probes see it: its URL arguments and the text only its readers may see."""

    args: dict
    markers: tuple[str, ...]


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def stored(data: bytes, name: str, owner_type: str, owner_id, by: int):
    from yk_saas.files.services import IMAGES, save_upload

    allowed = IMAGES if data.startswith(PNG) else ("pdf", "csv")
    return save_upload(
        upload(data, name),
        allowed=allowed,
        max_bytes=1 << 20,
        owner_type=owner_type,
        owner_id=owner_id,
        uploaded_by_id=by,
    )


def bump_sequences(schema: str) -> None:
    """Make every new row of ``schema`` take an id above ``BRAVO_ID_FLOOR``."""
    db.session.execute(
        text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass,"
            " GREATEST(coalesce(last_value, 0), :floor)) FROM pg_sequences WHERE schemaname = :s"
        ),
        {"s": schema, "floor": BRAVO_ID_FLOOR},
    )
    db.session.commit()


def company_objects(mark: str, company_id: int, accountant_id: int) -> dict[str, Obj]:
    """Contact, note and ledger period with a file, of one company (the caller commits)."""
    from yk_saas.clients import crm
    from yk_saas.ledgers import services as ledgers
    from yk_saas.models_base import utcnow

    contact = crm.add_contact(company_id, f"{mark}-CONTACT", email="contact@idor.example.com")
    note = crm.add_note(company_id, f"{mark}-NOTE", db.session.get(user_model(), accountant_id))
    period = ledgers.open_period(company_id, "2019-07")
    period.note, period.delivered_at = f"{mark}-LEDGER", utcnow()
    books = stored(
        PDF + f"{mark}-LEDGERFILE".encode(), f"{mark}-books.pdf", "ledger", period.id, accountant_id
    )
    db.session.flush()
    return {
        "contact": Obj({"company_id": company_id, "contact_id": contact.id}, (f"{mark}-CONTACT",)),
        "note": Obj({"company_id": company_id, "note_id": note.id}, (f"{mark}-NOTE",)),
        "period": Obj({"period_id": period.id}, (f"{mark}-LEDGER",)),
        "ledger_file": Obj(
            {"period_id": period.id, "key": books.key, "file_id": books.id},
            (f"{mark}-LEDGERFILE", f"{mark}-books"),
        ),
    }


def user_model():
    from yk_saas.accounts.models import User

    return User


def build_objects(
    slug: str,
    mark: str,
    company_id: int,
    client_id: int,
    accountant_id: int,
    manager_id: int,
    publish: bool,
) -> dict[str, Obj]:
    """Every kind of object a URL can name, for one company of one firm; returns them by kind."""
    from yk_saas.accounts.models import Invitation, PasswordReset, UserSession
    from yk_saas.accounts.tokens import new_token
    from yk_saas.billing import fapiao, refunds
    from yk_saas.billing import services as billing
    from yk_saas.billing.models import ReminderTemplate
    from yk_saas.catalog import services as catalog
    from yk_saas.clients.models import StaffProfile
    from yk_saas.domains import services as domains
    from yk_saas.export.jobs import export_path
    from yk_saas.feedback.models import Complaint, ComplaintNote, FollowUp, SurveyResponse
    from yk_saas.files.services import firm_folder
    from yk_saas.mail.models import OutboxEmail
    from yk_saas.models_base import utcnow
    from yk_saas.notifications.models import Notification
    from yk_saas.site import services as site
    from yk_saas.staff.services import PHOTO_OWNER
    from yk_saas.work.models import Rating, WorkEntry, WorkItem

    User = user_model()
    now = utcnow()
    objects = {}
    manager, client = db.session.get(User, manager_id), db.session.get(User, client_id)

    importing = stored(
        f"name,industry\n{mark}-IMPORT Co,idor\n".encode(),
        "idor.csv",
        "client_import",
        None,
        manager_id,
    )
    objects["import_file"] = Obj({"key": importing.key}, (f"{mark}-IMPORT",))

    # Feedback: a resolved complaint (so the client's answer would reopen it), a follow-up, a survey.
    complaint = Complaint(
        company_id=company_id,
        filed_by_id=client_id,
        title=f"{mark}-COMPLAINT",
        description="d",
        about_accountant_id=accountant_id,
        state="resolved",
        resolution="r",
        resolved_at=now,
        followup_due_at=now + timedelta(days=3650),
        followup_sent_at=now,
    )
    db.session.add(complaint)
    db.session.flush()
    db.session.add(
        ComplaintNote(complaint_id=complaint.id, author_id=manager_id, body=f"{mark}-COMPLAINTNOTE")
    )
    evidence = stored(
        PDF + f"{mark}-COMPLAINTFILE".encode(),
        f"{mark}-evidence.pdf",
        "complaint",
        complaint.id,
        client_id,
    )
    objects["complaint"] = Obj({"complaint_id": complaint.id}, (f"{mark}-COMPLAINT",))
    objects["complaint_file"] = Obj(
        {"key": evidence.key, "file_id": evidence.id}, (f"{mark}-COMPLAINTFILE", f"{mark}-evidence")
    )
    followup = FollowUp(
        company_id=company_id,
        accountant_id=accountant_id,
        created_by_id=manager_id,
        scheduled_for=date(2099, 1, 1),
        method="phone",
        purpose=f"{mark}-FOLLOWUP",
    )
    survey = SurveyResponse(
        round="2019-Q3",
        company_id=company_id,
        user_id=client_id,
        accountant_id=accountant_id,
        comment=f"{mark}-SURVEY",
    )
    db.session.add_all([followup, survey])
    db.session.flush()
    objects["followup"] = Obj({"followup_id": followup.id}, (f"{mark}-FOLLOWUP",))
    objects["survey"] = Obj({"survey_id": survey.id}, (f"{mark}-SURVEY",))

    # Work: a request waiting on the client (with an attachment), a rated finished one, an order awaiting approval.
    def work_item(title, **values):
        item = WorkItem(
            title=f"{mark}-{title}",
            description=f"{mark}-{title}-TEXT",
            urgency="normal",
            client_company_id=company_id,
            created_by_id=client_id,
            created_at=now,
            **values,
        )
        db.session.add(item)
        db.session.flush()
        return item

    waiting = work_item(
        "REQUEST",
        kind="request",
        request_type="Other",
        state="waiting_on_client",
        assignee_id=accountant_id,
        claimed_at=now,
        last_progress_at=now,
    )
    db.session.add(
        WorkEntry(
            work_item_id=waiting.id,
            kind="progress",
            author_id=accountant_id,
            body=f"{mark}-PROGRESS",
            from_state="in_progress",
            to_state="waiting_on_client",
        )
    )
    attachment = stored(
        PDF + f"{mark}-WORKFILE".encode(),
        f"{mark}-attachment.pdf",
        "work_item",
        waiting.id,
        client_id,
    )
    done = work_item(
        "DONE",
        kind="request",
        request_type="Other",
        state="done",
        assignee_id=accountant_id,
        claimed_at=now,
        completed_at=now,
    )
    db.session.add(
        Rating(
            work_item_id=done.id,
            rated_by_id=client_id,
            overall="good",
            attitude=4,
            speed=4,
            quality=4,
            comment=f"{mark}-RATING",
            created_at=now,
        )
    )
    order = work_item("ORDER", kind="order", state="new", approval="pending", price_cents=900000)
    objects["work_item"] = Obj({"item_id": waiting.id}, (f"{mark}-REQUEST", f"{mark}-PROGRESS"))
    objects["work_done"] = Obj({"item_id": done.id}, (f"{mark}-DONE",))
    objects["work_order"] = Obj({"item_id": order.id}, (f"{mark}-ORDER",))
    objects["work_file"] = Obj(
        {"file_id": attachment.id}, (f"{mark}-WORKFILE", f"{mark}-attachment")
    )

    # Money: a paid invoice with a credit note, a payment and a refund proposed to the client.
    invoice = billing.create_invoice(
        billing.NewInvoice(
            company_id=company_id,
            amount_cents=50000,
            currency="CNY",
            description=f"{mark}-INVOICE",
            source="manual",
            source_key=f"idor-{secrets.token_hex(6)}",
            issued_on=date(2019, 7, 1),
            due_on=date(2019, 7, 16),
        )
    )
    billing.issue_credit_note(invoice.id, 1000, f"{mark}-CREDITNOTE", manager)
    payment = billing.record_offline_payment(
        invoice.id, 49000, "bank_transfer", f"{mark}-PAYMENT", date(2019, 7, 2), manager
    )
    refund = refunds.request_refund(invoice, f"{mark}-REFUND", client)
    proof = stored(
        PDF + f"{mark}-REFUNDFILE".encode(),
        f"{mark}-refundproof.pdf",
        refunds.FILE_OWNER,
        refund.id,
        client_id,
    )
    refund.steps[0].file_id = proof.id
    refunds.move(refund, "propose", manager, "offer", 5000)
    objects["invoice"] = Obj({"invoice_id": invoice.id}, (f"{mark}-INVOICE",))
    objects["payment"] = Obj(
        {"payment_id": payment.id}, (f"{mark}-PAYMENT", payment.receipt_number)
    )
    objects["refund"] = Obj({"refund_id": refund.id}, (f"{mark}-REFUND",))
    objects["refund_file"] = Obj({"key": proof.key}, (f"{mark}-REFUNDFILE", f"{mark}-refundproof"))
    issued = fapiao.request_fapiao(
        invoice, f"{mark}-FAPIAO", "91310115MA1K3YJ009", "ordinary", "f@example.com", client
    )
    fapiao.issue_fapiao(
        issued.id,
        "24310000000000000001",
        upload(PDF + f"{mark}-FAPIAOFILE".encode(), f"{mark}-fapiao.pdf"),
        manager,
    )
    objects["fapiao"] = Obj({"fapiao_id": issued.id}, (f"{mark}-FAPIAO",))
    objects["fapiao_file"] = Obj({"fapiao_id": issued.id}, (f"{mark}-FAPIAOFILE",))
    db.session.commit()

    # Firm-wide objects the desk edits by id.
    category = catalog.save_category(f"{mark}-CATEGORY")
    service = catalog.save_service(
        {
            "name": f"{mark}-SERVICE",
            "category_id": category.id,
            "description": "",
            "price_cents": 100,
            "currency": "CNY",
            "billing_cycle": "one_off",
            "published": publish,
            "recommended": False,
            "sort_order": 0,
        },
        upload(PNG + f"{mark}-SERVICEIMAGE".encode(), "service.png"),
        None,
        manager_id,
    )
    objects["category"] = Obj({"category_id": category.id}, (f"{mark}-CATEGORY",))
    objects["service"] = Obj({"service_id": service.id}, (f"{mark}-SERVICE",))
    objects["service_image"] = Obj({"service_id": service.id}, (f"{mark}-SERVICEIMAGE",))

    image = stored(PNG + f"{mark}-SLIDEIMAGE".encode(), "slide.png", "site_slide", None, manager_id)
    slide = site.add_slide(image, f"{mark}-SLIDE", "", "", None, None)
    menu = site.add_menu_item(f"{mark}-MENU", "/p/idor", None)
    section = site.save_section(None, "rich_text", f"{mark}-SECTION", "<p>s</p>")
    page = site.save_page(None, f"idor-{mark.lower()}", f"{mark}-PAGE", "<p>p</p>")
    announcement = site.add_announcement(f"{mark}-ANNOUNCEMENT", "", now, None)
    db.session.flush()
    if publish:
        site.publish(manager)
    db.session.commit()
    objects["slide"] = Obj({"kind": "slide", "item_id": slide.id}, (f"{mark}-SLIDE",))
    objects["menu_item"] = Obj({"kind": "menu", "item_id": menu.id}, (f"{mark}-MENU",))
    objects["section"] = Obj(
        {"kind": "section", "item_id": section.id, "section_id": section.id}, (f"{mark}-SECTION",)
    )
    objects["page"] = Obj(
        {"kind": "page", "item_id": page.id, "page_id": page.id, "slug": page.slug},
        (f"{mark}-PAGE",),
    )
    objects["announcement"] = Obj(
        {"kind": "announcement", "item_id": announcement.id}, (f"{mark}-ANNOUNCEMENT",)
    )
    objects["media"] = Obj({"key": image.key}, (f"{mark}-SLIDEIMAGE",))

    # A wording of its own (no reader has locale "zz"): the seeded ones have the same ids in every firm.
    template = ReminderTemplate(locale="zz", subject=f"{mark}-TEMPLATE", body="b")
    email = OutboxEmail(
        to_address="someone@idor.example.com",
        subject=f"{mark}-EMAIL",
        body_text="b",
        kind="idor",
        status="outbox",
    )
    token, token_hash = new_token()
    invitation = Invitation(
        email=f"{mark.lower()}-invitee@idor.example.com",
        role="accountant",
        token_hash=token_hash,
        invited_by_id=manager_id,
        expires_at=now + timedelta(days=7),
    )
    reset_token, reset_hash = new_token()
    reset = PasswordReset(
        user_id=client_id, token_hash=reset_hash, expires_at=now + timedelta(days=1)
    )
    notification = Notification(
        user_id=client_id,
        event="work_done",
        params={"title": "t"},
        link=f"/portal/?{mark}-NOTIFICATION",
        read_at=now,
    )
    db.session.add_all([template, email, invitation, reset, notification])
    domain = domains.add_domain(f"idor-{mark.lower()}.example.com")
    domain.verified = True  # keeps the domains page's first DNS record the one a test adds
    db.session.commit()
    objects["template"] = Obj({"template_id": template.id}, (f"{mark}-TEMPLATE",))
    objects["email"] = Obj({"email_id": email.id}, (f"{mark}-EMAIL",))
    objects["invitation"] = Obj(
        {"invitation_id": invitation.id, "token": token}, (invitation.email,)
    )
    objects["password_reset"] = Obj({"token": reset_token}, ())
    objects["notification"] = Obj({"notification_id": notification.id}, (f"{mark}-NOTIFICATION",))
    objects["domain"] = Obj({"domain_id": domain.id}, (domain.host,))
    browser = UserSession(
        user_id=client_id, token_hash=new_token()[1], created_at=now, last_seen_at=now
    )
    db.session.add(browser)
    db.session.commit()
    objects["user_session"] = Obj({"session_id": browser.id}, ())

    # People: the accountant's photo (the rest of the profile is left alone) and performance page.
    profile = db.session.get(StaffProfile, accountant_id) or StaffProfile(user_id=accountant_id)
    db.session.add(profile)
    profile.photo_file_id = stored(
        PNG + f"{mark}-PHOTO".encode(), "photo.png", PHOTO_OWNER, accountant_id, accountant_id
    ).id
    db.session.commit()
    heading = f"<h1>{db.session.get(User, accountant_id).name}</h1>"
    objects["staff_member"] = Obj({"user_id": accountant_id}, (heading,))
    objects["staff_photo"] = Obj({"user_id": accountant_id}, (f"{mark}-PHOTO",))

    export_token = secrets.token_hex(16)
    path = export_path(export_token)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04" + f"{mark}-EXPORT".encode())
    objects["export"] = Obj({"token": export_token}, (f"{mark}-EXPORT",))
    objects["firm"] = Obj({"slug": slug, "action": "suspend"}, ())
    assert firm_folder().name == f"t_{slug}"
    return objects


#: A URL names a child with its parent company or period; a probe may pair them wrongly.
PARENT_ARGS = {"contact": {"company_id"}, "note": {"company_id"}, "ledger_file": {"period_id"}}


def under(parent: Obj, child: Obj, kind: str) -> Obj:
    """``child``'s ids in the URL of ``parent``'s company or period (kept from ``parent``)."""
    return Obj(
        {**parent.args, **{k: v for k, v in child.args.items() if k not in PARENT_ARGS[kind]}},
        child.markers,
    )


@dataclass
class World:
    alpha: dict[str, Obj]
    bravo: dict[str, Obj]
    #: Company X as parent, a child of Company Y: opens nothing, even for those who see Company X.
    cross: dict[str, Obj]
    #: Company X as parent, a child that exists only in bravo.
    mixed: dict[str, Obj]
    #: The ids of the people and companies both firms share (``provision_firm``'s ``ids``).
    ids: dict[str, int]


@pytest.fixture(scope="module")
def world(app, firm_a, firm_b):
    """The objects; afterwards the shared firms' company X and accountant are as they were."""
    from yk_saas.clients.models import ClientCompany, StaffProfile

    ids = firm_a["ids"]
    assert firm_b["ids"] == ids
    x, accountant_id = ids["company_x"], ids["accountant"]
    with app.app_context():
        with tenant_context("bravo"), force_locale("en"):
            bump_sequences("t_bravo")
            bravo_dedicated = db.session.get(ClientCompany, x).dedicated_accountant_id
            # Bravo's companies and people have the ids alpha's have; its new objects do not.
            db.session.add(ClientCompany(name="BRAVOSECRET Company Z"))
            accountant = user_model()(
                email="acc3@bravo.example.com",
                name="BRAVOSECRET Accountant Three",
                role="accountant",
                password_hash="x",
            )
            db.session.add(accountant)
            db.session.flush()
            db.session.get(ClientCompany, x).dedicated_accountant_id = accountant.id
            db.session.commit()
            # Objects named under a company in the URL belong to Company Z, the rest to company X.
            bravo = build_objects(
                "bravo",
                "BRAVOSECRET-IDOR",
                x,
                ids["client_x"],
                accountant.id,
                ids["owner"],
                publish=True,
            )
            z = db.session.scalar(
                select(ClientCompany.id).where(ClientCompany.name == "BRAVOSECRET Company Z")
            )
            bravo.update(company_objects("BRAVOSECRET-IDOR", z, accountant.id))
            bravo["company"] = Obj({"company_id": z}, ("BRAVOSECRET Company Z",))
            db.session.commit()
        with tenant_context("alpha"), force_locale("en"):
            alpha_dedicated = db.session.get(ClientCompany, x).dedicated_accountant_id
            profile = db.session.get(StaffProfile, accountant_id)
            photo = (profile is not None, profile.photo_file_id if profile else None)
            # Company X is the accountant's; Company Y is not accountant2's.
            db.session.get(ClientCompany, x).dedicated_accountant_id = accountant_id
            db.session.commit()
            alpha = build_objects(
                "alpha",
                "ALPHASECRET-IDOR-X",
                x,
                ids["client_x"],
                accountant_id,
                ids["owner"],
                publish=False,
            )
            alpha.update(company_objects("ALPHASECRET-IDOR-X", x, accountant_id))
            alpha["company"] = Obj({"company_id": x}, ("ALPHASECRET Company X",))
            y = company_objects("ALPHASECRET-IDOR-Y", ids["company_y"], ids["owner"])
            db.session.commit()
        for kind, obj in bravo.items():
            own_ids = {
                k: v for k, v in obj.args.items() if k.endswith("_id") and k != "domain_id"
            }  # public schema
            assert all(v > BRAVO_ID_FLOOR for v in own_ids.values()), (kind, own_ids)
    cross = {kind: under(alpha[kind], y[kind], kind) for kind in PARENT_ARGS}
    mixed = {kind: under(alpha[kind], bravo[kind], kind) for kind in PARENT_ARGS}
    yield World(alpha, bravo, cross, mixed, ids)

    with app.app_context():
        with tenant_context("bravo"):
            db.session.get(ClientCompany, x).dedicated_accountant_id = bravo_dedicated
            db.session.commit()
        with tenant_context("alpha"):
            db.session.get(ClientCompany, x).dedicated_accountant_id = alpha_dedicated
            profile = db.session.get(StaffProfile, accountant_id)
            if photo[0]:
                profile.photo_file_id = photo[1]
            else:
                db.session.delete(profile)
            db.session.commit()


# --- which object each route takes ----------------------------------------------------------------

#: Roles refused Company X's objects: the other client, and an accountant who does not look after X.
NOT_X = ("client_y", "accountant2")
#: Roles that see Company X itself, and must still get nothing for a Company Y child under X's URL.
SEES_X = ("owner", "accountant")


@dataclass(frozen=True)
class T:
    """A kind of object a route takes, and who may or may not open it there."""

    kind: str
    #: Who opens it (positive control, GET only); None when nobody may, here.
    viewer: str | None = None
    #: Users of the same firm who must be refused it.
    refused: tuple[str, ...] = NOT_X
    #: "alpha": Company X's object; "cross": Company X with a child of Company Y.
    variant: str = "alpha"
    #: Who opens bravo's object on bravo's host, proving its ids are real ("" = as ``viewer``).
    bravo_viewer: str | None = ""
    #: Whether the page shows the object's text (the positive control looks for it).
    shows_text: bool = True


def site_items(*kinds):
    return [T(k) for k in kinds]


ROUTES: dict[str, list[T]] = {
    # Clients (K1, K2, contacts, tags, notes) and their import.
    "clients.detail": [T("company", "accountant")],
    "clients.edit_profile": [T("company")],
    "clients.change_status": [T("company")],
    "clients.change_accountant": [T("company")],
    "clients.add_contact": [T("company")],
    "clients.make_primary": [T("contact"), T("contact", refused=SEES_X, variant="cross")],
    "clients.remove_contact": [T("contact"), T("contact", refused=SEES_X, variant="cross")],
    "clients.save_tags": [T("company")],
    "clients.save_note": [T("company"), T("note"), T("note", refused=SEES_X, variant="cross")],
    "clients.note_history": [T("note", "accountant"), T("note", refused=SEES_X, variant="cross")],
    # Only the manager who uploaded an import may commit it.
    "clients_admin.commit": [T("import_file", refused=(*NOT_X, "admin"))],
    # Ledgers.
    "ledgers.company": [T("company", "accountant")],
    "ledgers.period": [T("period", "accountant")],
    "ledgers.save_figures": [T("period")],
    "ledgers.save_filing": [T("period")],
    "ledgers.upload": [T("period")],
    "ledgers.remove_file": [T("ledger_file"), T("ledger_file", refused=SEES_X, variant="cross")],
    "ledgers.download": [T("ledger_file", "accountant"), T("complaint_file", refused=EVERYONE)],
    # Bravo's ledgers are Company Z's, which has no client user; the desk opens them.
    "ledgers_portal.period_detail": [T("period", "client_x", bravo_viewer=None)],
    "ledgers_portal.portal_download": [
        T("ledger_file", "client_x", bravo_viewer=None),
        T("complaint_file", refused=EVERYONE),
    ],
    # Feedback: complaints, follow-ups, surveys.
    "feedback.complaint": [T("complaint", "accountant")],
    "feedback.add_complaint_note": [T("complaint")],
    "feedback.change_complaint_state": [T("complaint")],
    "feedback.complaint_file": [
        T("complaint_file", "accountant"),
        T("ledger_file", refused=EVERYONE),
    ],
    "feedback_portal.complaint": [T("complaint", "client_x")],
    "feedback_portal.answer_complaint": [T("complaint")],
    "feedback_portal.complaint_file": [
        T("complaint_file", "client_x"),
        T("ledger_file", refused=EVERYONE),
    ],
    "feedback.company_followups": [T("company", "accountant")],
    "feedback.log_followup": [T("followup")],
    "feedback_portal.answer_survey": [T("survey", "client_x")],
    # Work: requests, orders, attachments, ratings, staff limits.
    "work.detail": [T("work_item", "accountant")],
    "work.timeline": [T("work_item", "accountant")],
    "work.progress": [T("work_item")],
    "work.assign": [T("work_item")],
    "work.claim": [T("work_item")],
    "work.approval": [T("work_order")],
    "work.set_dedicated": [T("company")],
    "work.download": [T("work_file", "accountant"), T("ledger_file", refused=EVERYONE)],
    "work.update_duty_capacity": [T("staff_member")],
    "work_portal.detail": [T("work_item", "client_x")],
    "work_portal.timeline": [T("work_item", "client_x")],
    "work_portal.reply": [T("work_item")],
    "work_portal.rate": [T("work_done", "client_x")],
    "work_portal.download": [T("work_file", "client_x"), T("ledger_file", refused=EVERYONE)],
    # Money: invoices, payments, credit notes (shown on the invoice), refunds, reminder wording.
    "billing.client": [T("company", "accountant")],
    "billing.credit_limit": [T("company")],
    "billing.invoice": [T("invoice", "accountant")],
    "billing.invoice_pdf": [T("invoice", "accountant")],
    "billing.credit_note": [T("invoice")],
    "billing.record_payment": [T("invoice")],
    "billing.remind": [T("invoice")],
    "billing.receipt": [T("payment", "accountant")],
    "billing.refund": [T("refund", "accountant")],
    "billing.refund_step": [T("refund")],
    # A refund's files: the firm's managers and the client's own people, no other staff.
    "billing.refund_file": [
        T("refund_file", "owner", refused=(*NOT_X, "accountant")),
        T("complaint_file", refused=EVERYONE),
        T("ledger_file", refused=EVERYONE),
    ],
    "billing_admin.reminder_template": [T("template", "owner")],
    "billing.fapiao_detail": [T("fapiao", "accountant")],
    "billing.issue_fapiao": [T("fapiao")],
    "billing.fapiao_file": [T("fapiao_file", "accountant")],
    "billing_portal.request_fapiao": [T("invoice")],
    "billing_portal.fapiao_file": [T("fapiao_file", "client_x")],
    "billing_portal.invoice": [T("invoice", "client_x")],
    "billing_portal.pay": [T("invoice")],
    "billing_portal.invoice_pdf": [T("invoice", "client_x")],
    "billing_portal.receipt": [T("payment", "client_x")],
    "billing_portal.refund": [T("refund", "client_x")],
    "billing_portal.refund_step": [T("refund")],
    "billing_portal.refund_file": [
        T("refund_file", "client_x"),
        T("complaint_file", refused=EVERYONE),
        T("ledger_file", refused=EVERYONE),
    ],
    # Catalog: alpha's service is unpublished (no client sees it), bravo's published.
    "catalog_admin.category": [T("category", "owner")],
    "catalog_admin.delete_category": [T("category")],
    "catalog_admin.service": [T("service", "owner")],
    "catalog_admin.toggle": [T("service")],
    "catalog_portal.detail": [
        T("service", refused=("client_x", "client_y"), bravo_viewer="client_x")
    ],
    "catalog_portal.order": [T("service", refused=("client_x", "client_y"))],
    "catalog_portal.image": [
        T("service_image", "owner", refused=("client_x", "client_y"), bravo_viewer="client_x")
    ],
    # The public site and its builder; alpha's page is a draft nobody sees, bravo's is published.
    "site.page": [T("page", refused=EVERYONE, bravo_viewer="anonymous")],
    "site.media": [
        T("media", "anonymous", refused=()),
        T("ledger_file", refused=EVERYONE),
        T("complaint_file", refused=EVERYONE),
    ],
    "site_admin.edit_page": [T("page", "owner")],
    "site_admin.edit_section": [T("section", "owner")],
    "site_admin.move": site_items("slide", "menu_item", "section"),
    "site_admin.delete": site_items("slide", "menu_item", "section", "page", "announcement"),
    # The firm's people, domains, mail, notifications, export.
    "accounts_admin.revoke_invitation": [T("invitation")],
    "accounts_admin.manage": [T("staff_member")],
    # A signed-in browser is its owner's alone, whoever else asks.
    "account.end_session": [
        T("user_session", refused=tuple(r for r in ALPHA_ROLES if r != "client_x"))
    ],
    "staff.person": [
        T("staff_member", "accountant", refused=(*NOT_X, "client_x"), bravo_viewer="owner")
    ],
    "staff.photo": [T("staff_photo", "client_x", refused=("client_y",))],
    "domains_admin.verify": [T("domain")],
    "domains_admin.primary": [T("domain")],
    "domains_admin.remove": [T("domain")],
    "mail_admin.detail": [T("email", "owner")],
    "notifications.open_one": [T("notification", refused=(*NOT_X, "owner"))],
    "export_admin.progress": [T("export", "owner", refused=(*NOT_X, "admin"), shows_text=False)],
    "export_admin.download": [T("export", "owner", refused=(*NOT_X, "admin"))],
    # Links sent by e-mail carry a secret: whoever holds it may use it, but only on its own firm.
    "accounts.accept_invitation": [T("invitation", "anonymous", refused=())],
    "accounts.reset_password": [T("password_reset", "anonymous", refused=())],
    # The operator console lives on the platform domain only.
    "operators.set_status": [T("firm", refused=EVERYONE, bravo_viewer=None)],
    "operators.support": [T("firm", refused=EVERYONE, bravo_viewer=None)],
}

#: Fixed arguments that are not object ids: a valid value, so only the object decides.
EXTRA_ARGS = {
    "billing.refund_step": {"action": "close"},
    "billing_portal.refund_step": {"action": "accept"},
    "site_admin.move": {"direction": "down"},
    "accounts_admin.manage": {"action": "disable"},
}

#: Routes that answer a missing object by going back to a page instead of a 404.
SOFT_REFUSALS = {
    "work.claim": "/desk/work/pool",
    "clients_admin.commit": "/desk/admin/clients/import",
    "clients.make_primary": "/desk/clients/{company_id}",
    "clients.remove_contact": "/desk/clients/{company_id}",
    "clients.save_note": "/desk/clients/{company_id}",
    "clients.note_history": "/desk/clients/{company_id}",
    "ledgers.remove_file": "/desk/ledgers/{period_id}",
}

#: A valid form per route, so a missing ownership check would show as a change; a callable
#: is given the ids of the firms' people and companies.
PAYLOADS = {
    "clients.detail": {"email": "idor-invite@example.com"},
    "clients.edit_profile": {"name": "IDOR renamed", "industry": "idor"},
    "clients.change_status": {"status": "lost"},
    "clients.change_accountant": lambda ids: {"accountant_id": str(ids["accountant2"])},
    "clients.add_contact": {"name": "IDOR contact"},
    "clients.save_tags": {"tags": "idor"},
    "clients.save_note": {"body": "IDOR note"},
    "billing.credit_limit": {"limit": "99.00"},
    "billing.credit_note": {"amount": "1.00", "reason": "IDOR"},
    "billing.record_payment": {
        "amount": "1.00",
        "method": "cash",
        "received_on": "2026-11-03",
        "reference": "x",
    },
    "billing.refund_step": {"note": "IDOR"},
    "billing_admin.reminder_template": {"subject": "IDOR", "body": "IDOR"},
    "billing_portal.invoice": {"reason": "IDOR refund"},
    "billing_portal.refund_step": {"note": "IDOR"},
    "billing.issue_fapiao": {"fapiao_number": "24310000000000009999"},
    "billing_portal.request_fapiao": {
        "title": "IDOR",
        "taxpayer_id": "91310115MA1K3YJ009",
        "kind": "ordinary",
        "email": "idor@example.com",
    },
    "catalog_admin.category": {"name": "IDOR category", "sort_order": "0"},
    "catalog_admin.service": {
        "name": "IDOR service",
        "category_id": "0",
        "price": "1",
        "billing_cycle": "one_off",
        "sort_order": "0",
    },
    "catalog_admin.toggle": {"flag": "published"},
    "feedback.add_complaint_note": {"body": "IDOR"},
    "feedback.change_complaint_state": {"state": "investigating"},
    "feedback_portal.answer_complaint": {"solved": "no"},
    "feedback.company_followups": {
        "scheduled_for": "2099-02-01",
        "method": "phone",
        "purpose": "IDOR",
    },
    "feedback.log_followup": {"outcome": "IDOR", "satisfaction": "3"},
    "ledgers.company": {"period": "2019-08"},
    "ledgers.save_figures": {"revenue": "1.00", "note": "IDOR"},
    "ledgers.save_filing": {"tax": "vat", "status": "filed"},
    "ledgers.upload": lambda ids: {"file": (io.BytesIO(PDF + b"idor"), "idor.pdf")},
    "feedback_portal.answer_survey": {"score": "7", "comment": "IDOR"},
    "work_portal.rate": {
        "overall": "bad",
        "attitude": "1",
        "speed": "1",
        "quality": "1",
        "comment": "IDOR",
    },
    "work_portal.reply": {"body": "IDOR reply"},
    "catalog_portal.order": {"note": "IDOR", "urgency": "normal"},
    "site_admin.edit_page": {"slug": "idor-renamed", "title": "IDOR", "body": ""},
    "site_admin.edit_section": {"title": "IDOR", "body": ""},
    "work.approval": {"decision": "approve"},
    "work.assign": lambda ids: {"assignee_id": str(ids["accountant2"])},
    "work.progress": {"body": "IDOR progress", "new_state": "in_progress"},
    "work.set_dedicated": lambda ids: {"accountant_id": str(ids["accountant2"])},
    "work.update_duty_capacity": {"capacity": "3", "on_duty": "1"},
    "accounts.accept_invitation": {
        "name": "IDOR",
        "password": PASSWORD + "x",
        "confirm": PASSWORD + "x",
    },
    "accounts.reset_password": {"password": PASSWORD + "x", "confirm": PASSWORD + "x"},
}


def payload(endpoint: str, ids: dict[str, int]) -> dict:
    value = PAYLOADS.get(endpoint, {})
    return value(ids) if callable(value) else dict(value)


def id_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )


def applies(rule, target: T, args: dict) -> bool:
    """The target fills every argument of the rule, and the rule names the target itself."""
    given = set(args) | set(EXTRA_ARGS.get(rule.endpoint, {}))
    own = set(args) - PARENT_ARGS.get(target.kind, set())
    return set(rule.arguments) <= given and bool(set(rule.arguments) & own)


def url_for_rule(rule, args: dict) -> str:
    values = {**args, **EXTRA_ARGS.get(rule.endpoint, {})}
    return rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]


@dataclass
class Probe:
    method: str
    path: str
    endpoint: str
    soft: str | None
    markers: tuple[str, ...]
    #: Firm roles the route's declaration lets in; None: anyone.
    admitted: frozenset | None
    arguments: frozenset


def probes(
    app, objects: dict[str, Obj], variant: str = "alpha", only_get: bool = False
) -> list[Probe]:
    """(method, path) of every rule for every target of ``variant``, with the objects of ``objects``."""
    found = []
    for rule in id_rules(app):
        admitted = allowed_roles(access_of(app, rule))
        for target in ROUTES.get(rule.endpoint, []):
            if target.variant != variant or target.kind not in objects:
                continue
            obj = objects[target.kind]
            if not applies(rule, target, obj.args):
                continue
            path = url_for_rule(rule, obj.args)
            soft = SOFT_REFUSALS.get(rule.endpoint)
            soft = soft.format(**obj.args) if soft else None
            for method in ("GET", "POST"):
                if method in rule.methods and not (only_get and method == "POST"):
                    found.append(
                        (
                            target,
                            Probe(
                                method,
                                path,
                                rule.endpoint,
                                soft,
                                obj.markers,
                                frozenset(admitted) if admitted is not None else None,
                                frozenset(rule.arguments),
                            ),
                        )
                    )
    return found


def test_every_route_with_an_argument_names_its_object(app, world):
    """A new route taking an id or key fails here until ``ROUTES`` says what it takes."""
    unmapped, uncovered = [], []
    for rule in id_rules(app):
        targets = ROUTES.get(rule.endpoint)
        if targets is None:
            unmapped.append(f"{rule.endpoint} {rule.rule}")
        elif not any(
            applies(rule, t, world.alpha[t.kind].args) for t in targets if t.variant == "alpha"
        ):
            uncovered.append(f"{rule.endpoint} {rule.rule}")
    assert unmapped == [], (
        "Routes with an id or key argument and no object type in tests/test_idor.py "
        f"ROUTES (add one, with a fixture object): {unmapped}"
    )
    assert uncovered == [], f"Routes whose ROUTES entry fills none of their arguments: {uncovered}"
    endpoints = {r.endpoint for r in id_rules(app)}
    assert set(ROUTES) <= endpoints, (
        f"ROUTES names endpoints that are gone: {set(ROUTES) - endpoints}"
    )
    for targets in ROUTES.values():
        for t in targets:
            assert t.kind in world.alpha and t.kind in world.bravo, t.kind
            assert t.variant == "cross" or t.refused == () or "client_y" in t.refused, (
                f"{t}: refuse it to client_y, or make it public"
            )


# --- sending the probes ---------------------------------------------------------------------------


def sign_in(app, firm: dict, who: str) -> HostClient:
    client = HostClient(app, firm["host"])
    if who != "anonymous":
        response = client.login(firm[who])
        assert response.status_code == 302, (who, response.status_code)
    client.csrf_token()
    return client


@pytest.fixture(scope="module")
def alpha_users(app, firm_a, world):
    return {who: sign_in(app, firm_a, who) for who in EVERYONE}


@pytest.fixture(scope="module")
def bravo_users(app, firm_b, world):
    return {who: sign_in(app, firm_b, who) for who in ("owner", "client_x", "anonymous")}


@pytest.fixture(scope="module")
def write_log(app):
    """Every INSERT, UPDATE and DELETE sent to the database, to name the request behind a change."""
    from sqlalchemy import event

    statements = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement.split("\n", 1)[0][:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def send(client: HostClient, probe: Probe, ids: dict[str, int]):
    if probe.method == "GET":
        return client.get(probe.path)
    return client.post(probe.path, payload(probe.endpoint, ids))


def leaked(response, markers) -> list[str]:
    """The markers found in the body or in the address a redirect points to."""
    seen = (
        response.get_data().decode("utf-8", "replace") + " " + response.headers.get("Location", "")
    )
    return [m for m in markers if m and m in seen]


def refused(response, probe: Probe, role: str, strict: bool) -> bool:
    """A denial: 403/404, a sign-in redirect, or the route's own "not here" redirect.

    ``strict``: a user the route's declaration lets in must see the same 404 a missing id gives.
    """
    status = response.status_code
    location = urlsplit(response.headers.get("Location", "")).path
    if status in (301, 302, 303, 307, 308) and (location == "/login" or location == probe.soft):
        return True
    if strict and (probe.admitted is None or ROLE_OF[role] in probe.admitted):
        return status == 404
    return status in (403, 404)


def snapshot(app) -> dict:
    return {schema: fingerprint(app, schema) for schema in SCHEMAS}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [
        f"{schema}.{table}"
        for schema in before
        for table in set(before[schema]) | set(after[schema])
        if before[schema].get(table) != after[schema].get(table)
    ]


class Batch:
    """Runs probes, collects what went wrong, and checks no schema changed meanwhile."""

    def __init__(self, app, write_log, ids: dict[str, int]):
        self.app, self.write_log, self.ids = app, write_log, ids
        self.wrong, self.writers, self.count = [], [], 0
        self.before = snapshot(app)

    def run(self, client, role, probe: Probe, markers, strict=False, expect_refusal=True):
        mark = len(self.write_log)
        response = send(client, probe, self.ids)
        self.count += 1
        if len(self.write_log) > mark:
            self.writers.append(f"{role} {probe.method} {probe.path}: {self.write_log[mark:]}")
        found = leaked(response, markers)
        ok = refused(response, probe, role, strict) if expect_refusal else True
        if found or not ok:
            self.wrong.append(
                f"{role} {probe.method} {probe.path} -> {response.status_code} "
                f"{response.headers.get('Location', '')} leaked={found}"
            )
        return response

    def check(self, least: int):
        assert self.wrong == [], "\n".join(self.wrong)
        changed = changed_tables(self.before, snapshot(self.app))
        assert changed == [], f"changed {changed}; requests that wrote: {self.writers}"
        assert self.count >= least, self.count
        return self.count


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EVERYONE)
def test_users_of_the_firm_are_refused_objects_not_theirs(app, world, alpha_users, write_log, role):
    """(a) client_y and Company X's objects, (c) accountant2 (not X's accountant), and the rest:
    the admin and another manager's import, the owner and a client's notification, everybody
    and a ledger file asked for through another feature's file route, a draft page."""
    batch = Batch(app, write_log, world.ids)
    for variant, objects in (("alpha", world.alpha), ("cross", world.cross)):
        for target, probe in probes(app, objects, variant):
            if role in target.refused:
                batch.run(
                    alpha_users[role],
                    role,
                    probe,
                    (*probe.markers, *world.alpha["company"].markers)
                    if variant == "alpha" and target.refused == NOT_X
                    else probe.markers,
                )
    counted = batch.check(least={"client_y": 80, "accountant2": 80}.get(role, 1))
    print(f"{role}: {counted} probes")


@pytest.mark.parametrize("role", EVERYONE)
def test_ids_that_exist_only_in_another_firm_are_not_found(
    app, world, alpha_users, write_log, role
):
    """(b) every alpha user, every route, bravo's ids (and X's URL with a bravo child): 404, no bravo text."""
    batch = Batch(app, write_log, world.ids)
    for variant_objects in (world.bravo, world.mixed):
        for _target, probe in probes(app, variant_objects):
            batch.run(alpha_users[role], role, probe, ("BRAVOSECRET", *probe.markers), strict=True)
    print(f"{role}: {batch.check(least=100)} probes")


#: Routes that send a stored file or a document; found by ``test_every_download_route_is_probed``.
FILE_ENDPOINTS = {
    "ledgers.download",
    "ledgers_portal.portal_download",
    "feedback.complaint_file",
    "feedback_portal.complaint_file",
    "work.download",
    "work_portal.download",
    "staff.photo",
    "catalog_portal.image",
    "site.media",
    "export_admin.download",
    "billing.invoice_pdf",
    "billing.receipt",
    "billing_portal.invoice_pdf",
    "billing_portal.receipt",
    "billing.refund_file",
    "billing_portal.refund_file",
    "billing.fapiao_file",
    "billing_portal.fapiao_file",
}


def test_every_download_route_is_probed(app):
    """A view with an id or key that sends a file is in ``FILE_ENDPOINTS``, and client_y is
    refused a file through it."""
    import inspect

    senders = set()
    for endpoint in {r.endpoint for r in id_rules(app)}:
        source = inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))
        if "send_file(" in source or "send_stored_file(" in source or "_pdf(" in source:
            senders.add(endpoint)
    assert senders - FILE_ENDPOINTS == set(), "file routes missing from FILE_ENDPOINTS"
    for endpoint in FILE_ENDPOINTS:
        assert any("client_y" in t.refused for t in ROUTES[endpoint]), endpoint


@pytest.mark.parametrize("role", ["owner", "client_x", "anonymous"])
def test_another_firms_users_get_nothing_with_alpha_ids_and_keys(
    app, world, bravo_users, write_log, role
):
    """(d) bravo users send alpha's ids and keys to bravo's host: no alpha text; no key and no
    file route finds anything.

    Alpha's small ids may be rows of bravo's own (its company X, its accountant), so elsewhere only
    the text is checked, and nothing is posted there.
    """
    batch = Batch(app, write_log, world.ids)
    for _target, probe in probes(app, world.alpha):
        keyed = bool({"key", "token", "slug"} & probe.arguments)
        if probe.method == "POST" and not keyed:
            continue
        batch.run(
            bravo_users[role],
            role,
            probe,
            ("ALPHASECRET", *probe.markers),
            strict=True,
            expect_refusal=keyed or probe.endpoint in FILE_ENDPOINTS,
        )
    print(f"{role}: {batch.check(least=40)} probes")


@pytest.mark.parametrize("firm", ["alpha", "bravo"])
def test_every_probe_aims_at_a_real_object(app, world, alpha_users, bravo_users, firm):
    """The positive control: each object opens for the user it belongs to, showing its text."""
    objects, users = (world.alpha, alpha_users) if firm == "alpha" else (world.bravo, bravo_users)
    wrong, opened = [], 0
    for target, probe in probes(app, objects, only_get=True):
        viewer = (
            target.viewer if firm == "alpha" or target.bravo_viewer == "" else target.bravo_viewer
        )
        if firm == "bravo" and viewer == "accountant":
            viewer = "owner"  # bravo's accountant does not look after bravo's company X
        if viewer is None:
            continue
        response = users[viewer].get(probe.path)
        opened += 1
        body = response.get_data().decode("utf-8", "replace")
        shows = (
            any(m in body for m in probe.markers)
            or not probe.markers
            or not target.shows_text
            or response.mimetype == "application/pdf"
        )
        if response.status_code != 200 or not shows:
            wrong.append(
                f"{viewer} GET {probe.path} -> {response.status_code} {response.mimetype} "
                f"markers {probe.markers} shown={shows}"
            )
    assert wrong == [], "\n".join(wrong)
    assert opened >= 30
    print(f"{firm}: {opened} objects opened")
