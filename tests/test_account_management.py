"""Account management follows one rank rule (owner > admin > accountant > client), and
secret-bearing mail (reset and invitation links) is readable by its recipient alone."""

import itertools
import re

import pyotp
import pytest
from rq.job import Job
from sqlalchemy import select, text

from tenants import db, tenant_context
from tests.support.firms import provision_firm
from tests.support.http import HostClient
from yk_saas.access import MANAGERS
from yk_saas.accounts.models import Invitation, PasswordReset, User, UserSession
from yk_saas.accounts.tokens import new_token
from yk_saas.audit.models import AuditEntry
from yk_saas.mail.models import OutboxEmail
from yk_saas.models_base import utcnow

SLUG = "rankco"
RANK = {"owner": 3, "admin": 2, "accountant": 1, "client": 0}
ACTORS = ("owner", "admin", "accountant", "client")
TARGETS = ("owner", "admin", "accountant", "client", "self")
ACTIONS = ("disable", "enable", "reset-two-factor", "sign-out", "send-reset", "role")
#: Tables an account action may write; each row reduced to what an action changes.
FINGERPRINT = {
    "users": "id, email, role, is_active, totp_secret, password_hash",
    "user_sessions": "id, user_id, token_hash",
    "password_resets": "id, user_id, used_at",
    "invitations": "id, role, revoked_at, accepted_at",
    "outbox_emails": "id, to_address",
    "audit_entries": "id, action, target_id",
}


@pytest.fixture(scope="module")
def firm(app):
    firm = provision_firm(app, SLUG, "RANKCO")
    with app.app_context(), tenant_context(SLUG):
        firm["company_id"] = db.session.scalar(
            select(User.client_company_id).where(User.email == firm["client_x"])
        )
        firm["hash"] = db.session.scalar(
            select(User.password_hash).where(User.email == firm["owner"])
        )
    return firm


@pytest.fixture(scope="module")
def actors(app, firm):
    """One signed-in browser per role."""
    clients = {}
    for role, who in zip(ACTORS, ("owner", "admin", "accountant", "client_x"), strict=True):
        client = HostClient(app, firm["host"])
        assert client.login(firm[who]).status_code == 302
        clients[role] = client
    return clients


def fingerprint(app) -> dict:
    with app.app_context():
        return {
            table: db.session.scalar(
                text(
                    f"SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) "
                    f'FROM (SELECT {columns} FROM "t_{SLUG}".{table}) r'
                )
            )
            for table, columns in FINGERPRINT.items()
        }


def new_target(app, firm, role: str, action: str) -> int:
    """A fresh account of ``role``, in the state the action would change."""
    seq = next(_seq)
    with app.app_context(), tenant_context(SLUG):
        user = User(
            email=f"target{seq}@rankco.example.com",
            name=f"Target {seq}",
            role=role,
            password_hash=firm["hash"],
            is_active=action != "enable",
            totp_secret=pyotp.random_base32(),
            client_company_id=firm["company_id"] if role == "client" else None,
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            UserSession(
                user_id=user.id,
                token_hash=new_token()[1],
                created_at=utcnow(),
                last_seen_at=utcnow(),
            )
        )
        db.session.commit()
        return user.id


_seq = itertools.count()


def actor_id(app, firm, role):
    who = {"client": "client_x"}.get(role, role)
    with app.app_context(), tenant_context(SLUG):
        return db.session.scalar(select(User.id).where(User.email == firm[who]))


def new_role_for(target_role: str) -> str:
    return "admin" if target_role == "accountant" else "accountant"


def outranks(actor: str, target: str) -> bool:
    return actor in MANAGERS and target != "self" and RANK[actor] > RANK[target]


def expected_change(actor: str, target: str, action: str) -> bool:
    if not outranks(actor, target):
        return False
    if action == "role":  # staff only, and never to a role at or above the actor's
        return target != "client" and RANK[actor] > RANK[new_role_for(target)]
    return True


def effect(app, user_id: int, action: str, role: str) -> bool:
    with app.app_context(), tenant_context(SLUG):
        user = db.session.get(User, user_id)
        sessions = db.session.scalar(select(UserSession.id).where(UserSession.user_id == user_id))
        resets = db.session.scalar(select(PasswordReset.id).where(PasswordReset.user_id == user_id))
        return {
            "disable": not user.is_active,
            "enable": user.is_active,
            "reset-two-factor": user.totp_secret is None,
            "sign-out": sessions is None,
            "send-reset": resets is not None,
            "role": user.role == role,
        }[action]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_account_action_as_every_role_on_every_role(app, firm, actors, action):
    """Allowed only when the actor outranks the target; otherwise refused and nothing written."""
    wrong = []
    for actor, target in itertools.product(ACTORS, TARGETS):
        user_id = (
            actor_id(app, firm, actor)
            if target == "self"
            else new_target(app, firm, target, action)
        )
        role = new_role_for(target)
        before = fingerprint(app)
        response = actors[actor].post(
            f"/desk/admin/accounts/people/{user_id}/{action}", {"role": role}
        )
        changed = fingerprint(app) != before
        if expected_change(actor, target, action):
            ok = response.status_code == 303 and changed and effect(app, user_id, action, role)
        elif outranks(actor, target):  # a refusal the person can fix: a message, no write
            ok = response.status_code == 303 and not changed
        else:
            ok = response.status_code in (403, 404) and not changed
        if not ok:
            wrong.append((actor, target, response.status_code, changed))
    assert not wrong


@pytest.mark.parametrize("role", ("owner", "admin", "accountant", "client"))
def test_inviting_and_withdrawing_each_role_as_every_role(app, firm, actors, role):
    """Invitations too: only to a role below the inviter's, and only such invitations withdrawn."""
    wrong = []
    for actor in ACTORS:
        seq = next(_seq)
        before = fingerprint(app)
        if role == "client":
            response = actors[actor].post(
                f"/desk/clients/{firm['company_id']}", {"email": f"inv{seq}@example.com"}
            )
        else:
            response = actors[actor].post(
                "/desk/admin/accounts/invite", {"email": f"inv{seq}@example.com", "role": role}
            )
        allowed = outranks(actor, role)
        changed = fingerprint(app) != before
        if not ((response.status_code in (302, 303)) == allowed == changed):
            wrong.append(("invite", actor, response.status_code, changed))
        with app.app_context(), tenant_context(SLUG):
            invitation = Invitation(
                email=f"pending{seq}@example.com",
                role=role,
                token_hash=new_token()[1],
                client_company_id=firm["company_id"] if role == "client" else None,
                expires_at=utcnow().replace(year=2099),
            )
            db.session.add(invitation)
            db.session.commit()
            invitation_id = invitation.id
        before = fingerprint(app)
        response = actors[actor].post(f"/desk/admin/accounts/invitations/{invitation_id}/revoke")
        changed = fingerprint(app) != before
        if not (
            allowed == changed
            and (response.status_code == 302 if allowed else response.status_code in (403, 404))
        ):
            wrong.append(("revoke", actor, response.status_code, changed))
    assert not wrong


def secret_mail(app, to_address, kind) -> OutboxEmail:
    with app.app_context(), tenant_context(SLUG):
        email = db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == to_address, OutboxEmail.kind == kind)
            .order_by(OutboxEmail.id.desc())
        ).first()
        email.secret_text  # noqa: B018  loaded before the session closes
        db.session.expunge(email)
        return email


def reset_links(html: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<]+/password/reset/[^\s\"<]+", html)


def test_admin_cannot_take_over_the_owner_through_a_reset_link(app, firm, actors, host_client):
    """The reported attack: an admin asks a reset for the owner and reads the Outbox."""
    admin = actors["admin"]
    with app.app_context(), tenant_context(SLUG):
        owner_hash = db.session.scalar(
            select(User.password_hash).where(User.email == firm["owner"])
        )
    admin.post("/password/forgot", {"email": firm["owner"]})
    email = secret_mail(app, firm["owner"], "password_reset")
    listing = admin.get("/desk/admin/mail/").get_data(as_text=True)
    page = admin.get(f"/desk/admin/mail/{email.id}").get_data(as_text=True)
    token = email.secret_text.split("/password/reset/", 1)[1].split()[0]
    assert token not in listing and token not in page and token not in email.body_text
    assert "/password/reset/••••••" in page
    stolen = "Stolen-pass-2026"
    for link in reset_links(page):
        path = link.split(firm["host"], 1)[1]
        assert admin.post(path, {"password": stolen, "confirm": stolen}).status_code == 404
    # Nor may the admin ask for it through the desk.
    owner_id = actor_id(app, firm, "owner")
    assert admin.post(f"/desk/admin/accounts/people/{owner_id}/send-reset").status_code == 403
    with app.app_context(), tenant_context(SLUG):
        assert (
            db.session.scalar(select(User.password_hash).where(User.email == firm["owner"]))
            == owner_hash
        )
    assert host_client(firm["host"]).login(firm["owner"], stolen).status_code == 422
    assert host_client(firm["host"]).login(firm["owner"]).status_code == 302


def test_the_recipient_reads_their_own_secret_mail_in_full(app, firm, actors):
    """The owner asks a reset for themselves: they see the link; the admin does not."""
    actors["owner"].post("/password/forgot", {"email": firm["owner"]})
    email = secret_mail(app, firm["owner"], "password_reset")
    link = reset_links(email.secret_text)[0]
    assert link in actors["owner"].get(f"/desk/admin/mail/{email.id}").get_data(as_text=True)
    assert link not in actors["admin"].get(f"/desk/admin/mail/{email.id}").get_data(as_text=True)


def test_invitation_links_are_masked_and_shown_in_full_only_on_the_server(app, firm, actors):
    """The inviter sees the invitation masked; ``flask mail show`` prints what is sent."""
    actors["owner"].post(
        "/desk/admin/accounts/invite", {"email": "newcomer@rankco.example.com", "role": "admin"}
    )
    email = secret_mail(app, "newcomer@rankco.example.com", "invitation")
    link = re.search(r"https?://\S+/invitation/\S+", email.secret_text).group(0)
    for role in ("owner", "admin"):
        page = actors[role].get(f"/desk/admin/mail/{email.id}").get_data(as_text=True)
        assert link not in page and "/invitation/••••••" in page
    shown = app.test_cli_runner().invoke(args=["mail", "show", SLUG, str(email.id)])
    assert shown.exit_code == 0 and link in shown.output


def test_secrets_stay_out_of_job_arguments_and_the_audit_log(app, firm, actors, redis):
    """A reset mail's job carries only the firm and the message id; the audit log no link."""
    owner_id = actor_id(app, firm, "owner")
    with app.app_context(), tenant_context(SLUG):
        target = db.session.scalar(select(User).where(User.email == firm["accountant"]))
        target_id, target_email = target.id, target.email
    assert (
        actors["owner"].post(f"/desk/admin/accounts/people/{target_id}/send-reset").status_code
        == 303
    )
    email = secret_mail(app, target_email, "password_reset")
    token = email.secret_text.split("/password/reset/", 1)[1].split()[0]
    job = Job.fetch(f"mail-{SLUG}-{email.id}", connection=redis)
    assert job.args == (SLUG, email.id) and token not in repr(job.kwargs)
    with app.app_context(), tenant_context(SLUG):
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == owner_id)
        ).all()
        assert entries and all(token not in repr(e.details) for e in entries)
