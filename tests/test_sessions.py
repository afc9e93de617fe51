"""Sessions end when they should: logout, password change or reset, a disabled account,
a role change, two-factor changes; the account page lists them and signs out the others."""

import itertools
import re
from datetime import timedelta

import pyotp
from sqlalchemy import select, update

from tenants import db, tenant_context
from tests.support import PASSWORD
from yk_saas.accounts.models import User, UserSession
from yk_saas.mail.models import OutboxEmail
from yk_saas.models_base import utcnow

_seq = itertools.count()


def new_person(app, role="accountant") -> str:
    from yk_saas.accounts.services import create_user

    email = f"sess{next(_seq)}@alpha.example.com"
    with app.app_context(), tenant_context("alpha"):
        create_user(email, "Session Person", role, PASSWORD)
        db.session.commit()
    return email


def browsers(host_client, firm, email, n=2, password=PASSWORD):
    """``n`` separate browsers signed in as ``email``."""
    clients = []
    for i in range(n):
        client = host_client(firm["host"])
        client.client.environ_base["HTTP_USER_AGENT"] = f"Browser {i}"
        assert client.login(email, password).status_code == 302
        clients.append(client)
    return clients


def signed_in_now(client) -> bool:
    client._csrf = None
    return client.get("/account/").status_code == 200


def user_id(app, email):
    with app.app_context(), tenant_context("alpha"):
        return db.session.scalar(select(User.id).where(User.email == email))


def test_a_cookie_saved_before_logout_opens_nothing_after_it(app, firm_a, host_client):
    email = new_person(app)
    (browser,) = browsers(host_client, firm_a, email, n=1)
    saved = browser.cookie()
    assert browser.get("/desk/").status_code == 200
    browser.post("/logout")
    replay = host_client(firm_a["host"])
    replay.set_cookie(saved)
    response = replay.get("/desk/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_the_password_ends_the_other_sessions_only(app, firm_a, host_client):
    email = new_person(app)
    here, elsewhere = browsers(host_client, firm_a, email)
    new = "Changed-pass-2026"
    response = here.post(
        "/account/password", {"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert signed_in_now(here) and not signed_in_now(elsewhere)


def test_a_password_reset_ends_every_session(app, firm_a, host_client):
    email = new_person(app)
    first, second = browsers(host_client, firm_a, email)
    guest = host_client(firm_a["host"])
    guest.post("/password/forgot", {"email": email})
    with app.app_context(), tenant_context("alpha"):
        mail = db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == email)
            .order_by(OutboxEmail.id.desc())
        ).first()
        path = re.search(r"https?://[^/]+(/\S+)", mail.secret_text).group(1)
    new = "Reset-pass-2026"
    assert guest.post(path, {"password": new, "confirm": new}).status_code == 302
    assert not signed_in_now(first) and not signed_in_now(second)


def test_account_actions_of_a_manager_end_the_persons_sessions(app, firm_a, host_client, signed_in):
    owner = signed_in(firm_a, "owner")
    for action, form in (
        ("disable", {}),
        ("role", {"role": "admin"}),
        ("reset-two-factor", {}),
        ("sign-out", {}),
    ):
        email = new_person(app)
        (person,) = browsers(host_client, firm_a, email, n=1)
        assert (
            owner.post(
                f"/desk/admin/accounts/people/{user_id(app, email)}/{action}", form
            ).status_code
            == 303
        )
        assert not signed_in_now(person), action
    assert signed_in_now(owner)


def test_turning_two_factor_on_and_off_ends_the_other_sessions(app, firm_a, host_client):
    email = new_person(app)
    here, elsewhere = browsers(host_client, firm_a, email)
    page = here.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    assert here.post("/account/two-factor", {"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert signed_in_now(here) and not signed_in_now(elsewhere)
    with app.app_context(), tenant_context("alpha"):  # a new browser signs in with a code
        db.session.execute(update(User).where(User.email == email).values(totp_secret=None))
        db.session.commit()
    (third,) = browsers(host_client, firm_a, email, n=1)
    with app.app_context(), tenant_context("alpha"):
        db.session.execute(update(User).where(User.email == email).values(totp_secret=secret))
        db.session.commit()
    assert here.post("/account/two-factor", {"password": PASSWORD}).status_code == 302
    assert signed_in_now(here) and not signed_in_now(third)


def test_the_account_page_lists_sessions_and_signs_out_everywhere_else(app, firm_a, host_client):
    email = new_person(app)
    here, second, third = browsers(host_client, firm_a, email, n=3)
    page = here.get("/account/").get_data(as_text=True)
    assert all(f"Browser {i}" in page for i in range(3)) and "127.0.0.1" in page
    assert len(re.findall(r'action="/account/sessions/\d+/end"', page)) == 3
    # One browser signed out from the list, then all the others at once.
    with app.app_context(), tenant_context("alpha"):
        ids = db.session.scalars(
            select(UserSession.id)
            .where(UserSession.user_id == user_id(app, email))
            .order_by(UserSession.id)
        ).all()
    assert here.post(f"/account/sessions/{ids[1]}/end").status_code == 303
    assert not signed_in_now(second) and signed_in_now(third)
    assert here.post("/account/sessions/others").status_code == 303
    assert signed_in_now(here) and not signed_in_now(third)
    with app.app_context(), tenant_context("alpha"):
        assert db.session.scalars(
            select(UserSession.id).where(UserSession.user_id == user_id(app, email))
        ).all() == [ids[0]]


def test_a_session_of_someone_else_cannot_be_ended(app, firm_a, host_client):
    victim, attacker = new_person(app), new_person(app)
    (victim_browser,) = browsers(host_client, firm_a, victim, n=1)
    (attacker_browser,) = browsers(host_client, firm_a, attacker, n=1)
    with app.app_context(), tenant_context("alpha"):
        victim_session = db.session.scalar(
            select(UserSession.id).where(UserSession.user_id == user_id(app, victim))
        )
    assert attacker_browser.post(f"/account/sessions/{victim_session}/end").status_code == 404
    assert signed_in_now(victim_browser)


def test_last_seen_is_written_at_most_every_few_minutes_and_idle_sessions_expire(
    app, firm_a, host_client
):
    email = new_person(app)
    (browser,) = browsers(host_client, firm_a, email, n=1)
    uid = user_id(app, email)

    def last_seen():
        with app.app_context(), tenant_context("alpha"):
            return db.session.scalar(
                select(UserSession.last_seen_at).where(UserSession.user_id == uid)
            )

    def age_by(delta):
        with app.app_context(), tenant_context("alpha"):
            db.session.execute(
                update(UserSession)
                .where(UserSession.user_id == uid)
                .values(last_seen_at=utcnow() - delta)
            )
            db.session.commit()

    age_by(timedelta(minutes=2))
    recent = last_seen()
    assert signed_in_now(browser) and last_seen() == recent  # not rewritten on every request
    age_by(timedelta(minutes=10))
    assert signed_in_now(browser) and last_seen() > utcnow() - timedelta(minutes=1)
    age_by(timedelta(days=31))
    assert not signed_in_now(browser)


def test_an_operator_cookie_saved_before_logout_opens_nothing_after_it(app, host_client):
    from tests.support import PLATFORM
    from yk_saas.operators.models import PlatformOperator
    from yk_saas.operators.services import create_operator

    email = "ops-sessions@platform.example.com"
    with app.app_context():
        if not db.session.scalar(
            select(PlatformOperator.id).where(PlatformOperator.email == email)
        ):
            create_operator(email, PASSWORD, "Ops")
            db.session.commit()
    console = host_client(PLATFORM)
    assert (
        console.post("/operators/login", {"email": email, "password": PASSWORD}).status_code == 303
    )
    console._csrf = None
    saved = console.cookie()
    assert console.get("/operators/").status_code == 200
    console.post("/operators/logout")
    replay = host_client(PLATFORM)
    replay.set_cookie(saved)
    response = replay.get("/operators/")
    assert response.status_code == 302 and "/operators/login" in response.headers["Location"]
