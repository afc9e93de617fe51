"""Firm signup on the platform domain (P1)."""

import pytest
from sqlalchemy import func, select, text

from tenants import db
from tenants.models import Tenant
from tests.support import PASSWORD

GOOD = {
    "firm_name": "Sunrise Accounting",
    "slug": "sunrise",
    "owner_name": "Sun Li",
    "email": "sun@sunrise.example.com",
    "password": PASSWORD,
    "locale": "en",
}


def firm_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Tenant.id)))


@pytest.mark.parametrize(
    "changes, field_message",
    [
        ({"slug": "alpha"}, "taken"),
        ({"slug": "www"}, "reserved"),
        ({"slug": "admin"}, "reserved"),
        ({"slug": "ab"}, "3 to 32"),
        ({"slug": "Bad_Slug"}, "lower-case"),
        ({"slug": "bad--slug"}, "lower-case"),
        ({"slug": "-bad"}, "lower-case"),
        ({"slug": "x" * 40}, "32"),
        ({"password": "123456789012"}, "letters"),
        ({"password": "short1"}, "10"),
        ({"password": "password123"}, "guess"),
        ({"email": "not-an-email"}, "e-mail"),
        ({"firm_name": ""}, "required"),
    ],
)
def test_bad_signup_input_gets_a_clear_message_and_creates_nothing(
    app, firm_a, host_client, changes, field_message
):
    before = firm_count(app)
    client = host_client("yk.test")
    client.client.get("/", base_url="http://yk.test", headers={"Accept-Language": "en"})
    response = client.post("/signup", {**GOOD, **changes}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert field_message.lower() in response.get_data(as_text=True).lower()
    assert firm_count(app) == before


def test_signup_provisions_the_firm_and_signs_the_owner_in_on_its_host(app, host_client):
    response = host_client("yk.test").post("/signup", GOOD)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("http://sunrise.yk.test/auth/handoff?token=")
    firm = host_client("sunrise.yk.test")
    arrived = firm.get(location.split("sunrise.yk.test", 1)[1])
    assert arrived.status_code == 302 and arrived.headers["Location"] == "/desk/"
    desk = firm.get("/desk/").get_data(as_text=True)
    assert "Sun Li" in desk and "Sunrise Accounting" in desk
    # The one-time token cannot be used again, on this or another client.
    replay = host_client("sunrise.yk.test").get(location.split("sunrise.yk.test", 1)[1])
    assert replay.headers["Location"] == "/login"
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM t_sunrise.users")) == 1


def test_handoff_token_of_one_firm_is_useless_on_another(app, firm_a, firm_b, host_client):
    from yk_saas.accounts.tokens import make_handoff_token

    with app.test_request_context():
        token = make_handoff_token("alpha", 1)
    response = host_client("bravo.yk.test").get(f"/auth/handoff?token={token}")
    assert response.headers["Location"] == "/login"


def test_subdomain_check_answers_with_a_fragment(host_client, firm_a):
    response = host_client("yk.test").get(
        "/signup/subdomain?slug=alpha", headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "taken" in body
