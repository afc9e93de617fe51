"""Sign-in, lockout, CSRF, role guards, invitations, password resets, two-factor."""

import re

import pyotp
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support import PASSWORD
from yk_saas.accounts.models import User
from yk_saas.mail.models import OutboxEmail


def outbox_link(app, slug, to_address, kind):
    """The link in the newest e-mail of ``kind`` to ``to_address``, as the recipient receives it."""
    with app.app_context(), tenant_context(slug):
        email = db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == to_address, OutboxEmail.kind == kind)
            .order_by(OutboxEmail.id.desc())
        ).first()
        return re.search(r"https?://\S+", email.secret_text or email.body_text).group(0)


def add_user(app, slug, email, role="accountant", **fields):
    from yk_saas.accounts.services import create_user

    with app.app_context(), tenant_context(slug):
        create_user(email, "Temp Person", role, PASSWORD, **fields)
        db.session.commit()


def test_sign_in_and_out(firm_a, host_client):
    client = host_client(firm_a["host"])
    response = client.login(firm_a["admin"])
    assert response.status_code == 302 and response.headers["Location"] == "/desk/"
    assert "ALPHASECRET Admin" in client.get("/desk/").get_data(as_text=True)
    client.post("/logout")
    assert client.get("/desk/").status_code == 302


def test_wrong_password_gives_a_clear_message_and_no_session(firm_a, host_client):
    client = host_client(firm_a["host"])
    response = client.login(firm_a["admin"], "wrong-password-1")
    assert response.status_code == 422
    assert "Wrong e-mail address or password" in response.get_data(
        as_text=True
    ) or "邮箱或密码错误" in response.get_data(as_text=True)
    assert client.get("/desk/").status_code == 302


def test_post_without_csrf_token_is_refused_plain_and_htmx(firm_a, signed_in):
    client = signed_in(firm_a, "admin")
    plain = client.post("/desk/clients/", {"name": "No Token Ltd"}, csrf=False)
    htmx = client.post(
        "/desk/admin/accounts/invite",
        {"email": "t@example.com", "role": "accountant"},
        csrf=False,
        headers={"HX-Request": "true"},
    )
    assert plain.status_code == 400 and htmx.status_code == 400
    assert "<html" not in htmx.get_data(as_text=True)  # HTMX gets a fragment
    with client.app.app_context(), tenant_context("alpha"):
        from yk_saas.clients.models import ClientCompany

        assert (
            db.session.scalar(select(ClientCompany).where(ClientCompany.name == "No Token Ltd"))
            is None
        )


def test_role_guards(firm_a, signed_in):
    client = signed_in(firm_a, "client_x")
    assert client.get("/desk/").status_code == 403
    assert client.get("/portal/").status_code == 200
    accountant = signed_in(firm_a, "accountant")
    assert accountant.get("/desk/").status_code == 200
    # Accountants see their own clients (/desk/clients/) but not the firm-wide import.
    for path in (
        "/desk/settings",
        "/desk/admin/accounts/",
        "/desk/admin/clients/import",
        "/desk/admin/mail/",
    ):
        assert accountant.get(path).status_code == 403, path
    assert accountant.post("/desk/settings", {"name": "Hijacked"}).status_code == 403
    assert accountant.get("/portal/").status_code == 403


def test_admin_cannot_be_invited_by_an_accountant_through_a_crafted_post(firm_a, signed_in):
    accountant = signed_in(firm_a, "accountant")
    assert (
        accountant.post(
            "/desk/admin/accounts/invite", {"email": "boss@example.com", "role": "owner"}
        ).status_code
        == 403
    )


def test_invitation_creates_an_account_once(app, firm_a, signed_in, host_client):
    admin = signed_in(firm_a, "admin")
    response = admin.post(
        "/desk/admin/accounts/invite",
        {"email": "newbie@example.com", "role": "accountant"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'id="staff-invitations"' in response.get_data(
        as_text=True
    )
    assert "<html" not in response.get_data(as_text=True)
    link = outbox_link(app, "alpha", "newbie@example.com", "invitation")
    path = link.split(firm_a["host"], 1)[1]
    guest = host_client(firm_a["host"])
    weak = guest.post(path, {"name": "Newbie", "password": "short", "confirm": "short"})
    assert (
        weak.status_code == 200
        and "characters" in weak.get_data(as_text=True)
        or "字符" in weak.get_data(as_text=True)
    )
    ok = guest.post(path, {"name": "Newbie", "password": PASSWORD, "confirm": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"] == "/desk/"
    again = host_client(firm_a["host"]).get(path)
    assert again.status_code == 404


def test_invitation_link_does_not_work_on_another_firm(app, firm_a, firm_b, signed_in, host_client):
    admin = signed_in(firm_a, "admin")
    admin.post(
        "/desk/admin/accounts/invite", {"email": "crossfirm@example.com", "role": "accountant"}
    )
    path = outbox_link(app, "alpha", "crossfirm@example.com", "invitation").split(
        firm_a["host"], 1
    )[1]
    assert host_client(firm_b["host"]).get(path).status_code == 404


def test_password_reset_is_single_use_and_unlocks(app, firm_a, host_client):
    add_user(app, "alpha", "forgetful@alpha.example.com")
    client = host_client(firm_a["host"])
    assert (
        client.post("/password/forgot", {"email": "forgetful@alpha.example.com"}).status_code == 200
    )
    unknown = client.post("/password/forgot", {"email": "nobody@alpha.example.com"})
    assert unknown.status_code == 200  # same answer: no account enumeration
    path = outbox_link(app, "alpha", "forgetful@alpha.example.com", "password_reset").split(
        firm_a["host"], 1
    )[1]
    new = "Brand-new-pass-7"
    assert client.post(path, {"password": new, "confirm": new}).status_code == 302
    assert client.post(path, {"password": new, "confirm": new}).status_code == 404
    assert client.login("forgetful@alpha.example.com", new).status_code == 302


def test_two_factor_sign_in(app, firm_a, host_client):
    add_user(app, "alpha", "careful@alpha.example.com")
    secret = pyotp.random_base32()
    with app.app_context(), tenant_context("alpha"):
        db.session.scalar(
            select(User).where(User.email == "careful@alpha.example.com")
        ).totp_secret = secret
        db.session.commit()
    client = host_client(firm_a["host"])
    first = client.login("careful@alpha.example.com")
    assert first.headers["Location"] == "/login/code"
    assert client.get("/desk/").status_code == 302  # not signed in yet
    assert client.post("/login/code", {"code": "000000"}).status_code == 200
    done = client.post("/login/code", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    client._csrf = None
    assert client.get("/desk/").status_code == 200


def test_session_is_bound_to_its_host(firm_a, signed_in, host_client):
    stolen = signed_in(firm_a, "admin").cookie()
    other = host_client("yk.test")
    other.set_cookie(stolen)
    assert other.get("/").status_code == 200  # a cookie from elsewhere is just ignored


def test_login_redirect_refuses_open_redirects(firm_a, host_client):
    client = host_client(firm_a["host"])
    for target in ("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com"):
        client._csrf = None
        response = client.post(
            "/login", {"email": firm_a["accountant"], "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/desk/", target
        client.post("/logout")
