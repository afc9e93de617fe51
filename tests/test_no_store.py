"""Nothing served to a signed-in person is kept by a browser or proxy cache.

Every GET route of the URL map (full page and HTMX fragment) is opened by each
firm role and, on the platform domain, by a signed-in operator: each answer,
error pages and redirects included, carries ``Cache-Control: no-store``. The
private areas say so even to an anonymous visitor (their sign-in redirect).
"""

import pytest
from sqlalchemy import select

from tenants import db
from tests.support import PASSWORD, PLATFORM
from tests.support.routes import PLATFORM_BLUEPRINTS, blueprint_of, fill, swept_rules

OPERATOR = "cache-ops@platform.example.com"


def get_routes(app, platform: bool):
    """Paths of every GET route of one side (firm or platform), with ids 1."""
    return [
        fill(rule, 1)
        for rule in swept_rules(app)
        if "GET" in rule.methods and (blueprint_of(rule) in PLATFORM_BLUEPRINTS) == platform
    ]


def cached_answers(client, paths):
    """``path -> Cache-Control`` of every answer, page or fragment, that a cache may keep."""
    wrong = {}
    for path in paths:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            if "no-store" not in response.headers.get("Cache-Control", ""):
                wrong[f"{path} {headers} -> {response.status_code}"] = response.headers.get(
                    "Cache-Control"
                )
    return wrong


@pytest.mark.parametrize("who", ["owner", "admin", "accountant", "client_x"])
def test_every_firm_route_answers_no_store_to_a_signed_in_person(app, firm_a, signed_in, who):
    client = signed_in(firm_a, who)
    paths = get_routes(app, platform=False)
    assert len(paths) > 50
    assert cached_answers(client, paths) == {}


def test_every_console_route_answers_no_store_to_a_signed_in_operator(app, host_client):
    from yk_saas.operators.models import PlatformOperator
    from yk_saas.operators.services import create_operator

    with app.app_context():
        if not db.session.scalar(
            select(PlatformOperator.id).where(PlatformOperator.email == OPERATOR)
        ):
            create_operator(OPERATOR, PASSWORD, "Cache Ops")
            db.session.commit()
    console = host_client(PLATFORM)
    assert (
        console.post("/operators/login", {"email": OPERATOR, "password": PASSWORD}).status_code
        == 303
    )
    assert cached_answers(console, get_routes(app, platform=True)) == {}


def test_private_areas_say_no_store_even_before_sign_in(app, firm_a, host_client):
    visitor = host_client(firm_a["host"])
    private = [
        p
        for p in get_routes(app, platform=False)
        if p.startswith(("/desk", "/portal", "/account", "/notifications"))
    ]
    assert cached_answers(visitor, private) == {}
    # The public site of a visitor who is not signed in is not concerned.
    assert "no-store" not in visitor.get("/").headers.get("Cache-Control", "")
