"""No request ever reads or writes another firm's data, nor a client another client's.

Every route of the URL map is enumerated, so a new route is covered the day
it is added. The two firms hold identical rows with identical ids; only the
marker in their names differs.
"""

import pytest

from tests.support.fingerprints import fingerprint
from tests.support.routes import fill

ROLES = ("owner", "admin", "accountant", "client_x")


def firm_routes(app):
    """(method, path) for every route and every id 1 and 2."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in (1, 2):
            path = fill(rule, value)
            for method in ("GET", "POST"):
                if method in rule.methods:
                    routes.append((method, path))
    return sorted(set(routes))


def text_of(response) -> str:
    """The body as text; binary downloads (XLSX exports) are decoded leniently."""
    return response.get_data().decode("utf-8", "replace")


def request(client, method, path):
    if method == "GET":
        return client.get(path)
    return client.post(path, {"email": "intruder@b.example.com", "role": "admin"})


def test_route_enumeration_sees_the_whole_app(app):
    paths = {p for _m, p in firm_routes(app)}
    assert {"/desk/", "/portal/", "/login", "/desk/clients/1", "/desk/admin/mail/2"} <= paths


@pytest.mark.parametrize("role", ROLES)
def test_firm_b_session_on_firm_a_host_sees_and_changes_nothing(
    app, firm_a, firm_b, signed_in, host_client, role
):
    stolen = signed_in(firm_b, role).cookie()
    intruder = host_client(firm_a["host"])
    intruder.set_cookie(stolen)
    before = fingerprint(app, "t_alpha")
    leaks = []
    for method, path in firm_routes(app):
        response = request(intruder, method, path)
        body = text_of(response)
        if "ALPHASECRET" in body or (response.status_code < 300 and "BRAVOSECRET" in body):
            leaks.append(f"{method} {path} -> {response.status_code}")
    assert leaks == []
    assert fingerprint(app, "t_alpha") == before


@pytest.mark.parametrize("role", ROLES)
def test_firm_b_users_on_their_own_host_never_see_firm_a(app, firm_a, firm_b, signed_in, role):
    client = signed_in(firm_b, role)
    before = fingerprint(app, "t_alpha")
    leaks = []
    for method, path in firm_routes(app):
        response = request(client, method, path)
        if "ALPHASECRET" in text_of(response):
            leaks.append(f"{method} {path} -> {response.status_code}")
    assert leaks == []
    assert fingerprint(app, "t_alpha") == before


def test_a_client_never_sees_another_client_company(app, firm_a, signed_in):
    client = signed_in(firm_a, "client_x")
    leaks = []
    for method, path in firm_routes(app):
        body = text_of(request(client, method, path))
        if "Company Y" in body or "Client Y" in body:
            leaks.append(f"{method} {path}")
    assert leaks == []


def test_anonymous_visitors_see_no_firm_data(app, firm_a, host_client):
    visitor = host_client(firm_a["host"])
    before = fingerprint(app, "t_alpha")
    for method, path in firm_routes(app):
        assert "ALPHASECRET" not in text_of(request(visitor, method, path)), path
    assert fingerprint(app, "t_alpha") == before


def test_every_view_declares_who_may_use_it(app):
    from yk_saas.access import undeclared_views

    assert undeclared_views(app) == []
