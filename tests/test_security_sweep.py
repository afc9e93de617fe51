"""Who may open what, checked for every route of the URL map and every role.

The matrix is read from each view's own access declaration (yk_saas/access.py),
so a route added tomorrow is swept the day it lands. Also here: security
headers, session fixation, open redirects through every ``next`` parameter
and CSRF on every unsafe route.
"""

from urllib.parse import urlsplit

import pytest

from tests.support import PLATFORM
from tests.support.fingerprints import fingerprint
from tests.support.routes import (
    PLATFORM_BLUEPRINTS,
    access_of,
    allowed_roles,
    blueprint_of,
    fill,
    swept_rules,
)

ROLE_OF = {"owner": "owner", "admin": "admin", "accountant": "accountant", "client_x": "client"}
ALLOWED_DENIALS = (403, 404)


def is_login_redirect(response):
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def test_every_declaration_is_understood(app):
    for rule in swept_rules(app):
        access = access_of(app, rule)
        assert access in ("anyone", "operator") or access.startswith("roles:"), rule.endpoint


@pytest.mark.parametrize("who", [*ROLE_OF, "anonymous"])
def test_a_role_outside_the_declaration_never_gets_in(app, firm_a, signed_in, host_client, who):
    client = host_client(firm_a["host"]) if who == "anonymous" else signed_in(firm_a, who)
    before = fingerprint(app, "t_alpha")
    wrong, checked = [], 0
    for rule in swept_rules(app):
        allowed = allowed_roles(access_of(app, rule))
        if allowed is None or (who != "anonymous" and ROLE_OF[who] in allowed):
            continue
        path = fill(rule, 1)
        for method in ("GET", "POST"):
            if method not in rule.methods:
                continue
            response = (
                client.get(path) if method == "GET" else client.post(path, {"name": "Intruder"})
            )
            checked += 1
            denied = response.status_code in ALLOWED_DENIALS or (
                who == "anonymous" and is_login_redirect(response)
            )
            if not denied:
                wrong.append(f"{method} {path} -> {response.status_code}")
    assert checked > 20
    assert wrong == []
    assert fingerprint(app, "t_alpha") == before


@pytest.mark.parametrize("who", list(ROLE_OF))
def test_each_role_opens_the_pages_declared_for_it(app, firm_a, signed_in, who):
    """The other side of the matrix: a page without ids declared for a role opens for it."""
    client = signed_in(firm_a, who)
    broken = []
    for rule in swept_rules(app):
        allowed = allowed_roles(access_of(app, rule))
        if (
            allowed is None
            or ROLE_OF[who] not in allowed
            or rule.arguments
            or "GET" not in rule.methods
            or blueprint_of(rule) in PLATFORM_BLUEPRINTS
        ):
            continue
        response = client.get(rule.rule)
        if response.status_code >= 400:
            broken.append(f"GET {rule.rule} -> {response.status_code}")
    assert broken == []


def test_platform_routes_are_absent_on_firm_hosts_and_firm_routes_on_the_platform(
    app, firm_a, host_client
):
    firm, platform = host_client(firm_a["host"]), host_client(PLATFORM)
    wrong = []
    for rule in swept_rules(app):
        area = blueprint_of(rule)
        if area in ("", "common"):
            continue
        other = firm if area in PLATFORM_BLUEPRINTS else platform
        path = fill(rule, 1)
        for method in ("GET", "POST"):
            if method in rule.methods:
                response = other.get(path) if method == "GET" else other.post(path, {})
                if response.status_code != 404:
                    wrong.append(f"{method} {other.host}{path} -> {response.status_code}")
    assert wrong == []


def test_pages_carry_the_security_headers(firm_a, signed_in, host_client):
    for client, path in (
        (host_client(firm_a["host"]), "/login"),
        (signed_in(firm_a, "admin"), "/desk/"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        csp = dict(
            part.strip().split(" ", 1)
            for part in response.headers["Content-Security-Policy"].split(";")
        )
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'"
        assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
        assert csp["frame-ancestors"] == "'self'"
        assert csp["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_hsts_is_sent_when_cookies_are_secure(app, firm_a, host_client):
    client = host_client(firm_a["host"])
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_signing_in_gives_a_new_session_cookie(firm_a, host_client):
    client = host_client(firm_a["host"])
    client.get("/login")
    client.csrf_token()
    before = client.cookie()
    assert before
    response = client.login(firm_a["accountant"])
    assert response.status_code == 302
    after = client.cookie()
    assert after and after != before
    attacker = host_client(firm_a["host"])
    attacker.set_cookie(before)
    assert is_login_redirect(attacker.get("/desk/"))


PROBES = (
    "//evil.example.com",
    "https://evil.example.com",
    "/\\evil.example.com",
    "/\\/evil.example.com",
    "\\\\evil.example.com",
    "/\t/evil.example.com",
    "http:evil.example.com",
    "///evil.example.com",
    "/%2F/evil.example.com",
    "javascript:alert(1)",
)


def stays_on_site(response, host):
    if response.status_code not in (301, 302, 303, 307, 308):
        return True
    location = response.headers["Location"]
    parts = urlsplit(location)
    clean = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return (
        parts.netloc in ("", host)
        and not clean.startswith("//")
        and parts.scheme in ("", "http", "https")
        and "evil.example.com" not in urlsplit(clean).netloc
    )


@pytest.mark.parametrize("probe", PROBES)
def test_login_next_never_leaves_the_site(firm_a, host_client, probe):
    client = host_client(firm_a["host"])
    client.get("/login?next=" + probe)
    response = client.post(
        "/login", {"email": firm_a["owner"], "password": "Correct-horse-9", "next": probe}
    )
    assert response.status_code == 302
    assert stays_on_site(response, firm_a["host"]), response.headers["Location"]


@pytest.mark.parametrize("probe", PROBES)
def test_language_switch_next_never_leaves_the_site(firm_a, host_client, probe):
    client = host_client(firm_a["host"])
    response = client.post("/lang", {"locale": "en", "next": probe})
    assert response.status_code == 303
    assert stays_on_site(response, firm_a["host"]), response.headers["Location"]


@pytest.mark.parametrize("probe", PROBES)
def test_a_notification_link_never_leaves_the_site(app, firm_a, signed_in, probe):
    from tenants import db, tenant_context
    from yk_saas.notifications.models import Notification

    with app.app_context(), tenant_context(firm_a["slug"]):
        note = Notification(user_id=3, event="probe", params={}, link=probe)
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    response = signed_in(firm_a, "accountant").post(f"/notifications/{note_id}/open")
    assert response.status_code == 303
    assert stays_on_site(response, firm_a["host"]), response.headers["Location"]


def unsafe_routes(app):
    return [
        (rule, fill(rule, 1))
        for rule in swept_rules(app)
        if {"POST", "PUT", "PATCH", "DELETE"} & rule.methods
    ]


@pytest.mark.parametrize("who", ["owner", "client_x", "anonymous"])
def test_every_unsafe_route_refuses_a_post_without_csrf_token(
    app, firm_a, signed_in, host_client, who
):
    client = host_client(firm_a["host"]) if who == "anonymous" else signed_in(firm_a, who)
    platform = host_client(PLATFORM)
    before = fingerprint(app, "t_alpha")
    wrong = []
    for rule, path in unsafe_routes(app):
        target = platform if blueprint_of(rule) in PLATFORM_BLUEPRINTS else client
        if rule.endpoint == "stripe_webhook.webhook":
            continue  # signed by Stripe instead, see tests/test_billing_stripe.py
        response = target.post(path, {"name": "No token", "email": "csrf@example.com"}, csrf=False)
        if response.status_code != 400:
            wrong.append(f"POST {target.host}{path} -> {response.status_code}")
    assert wrong == []
    assert fingerprint(app, "t_alpha") == before


def test_a_token_from_another_session_is_refused(app, firm_a, signed_in):
    owner, other = signed_in(firm_a, "owner"), signed_in(firm_a, "admin")
    before = fingerprint(app, "t_alpha")
    response = owner.post(
        "/desk/admin/accounts/invite",
        {"email": "stolen-token@example.com", "role": "admin"},
        csrf=False,
        headers={"X-CSRFToken": other.csrf_token()},
    )
    assert response.status_code == 400
    assert fingerprint(app, "t_alpha") == before
