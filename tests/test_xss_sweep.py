"""Script-injection payloads typed into real forms never come back as markup.

Each payload goes in through the form a user fills in (company name, request
title and description, catalog service, complaint, client note, profile name)
and every page that shows it is read back as the people who see it.
"""

import re
import uuid

import pytest

from tenants import db, tenant_context
from tests.support import PASSWORD

PAYLOADS = (
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><b>bold</b>',
    '<a href="javascript:alert(1)">link</a>',
    "'><iframe src=javascript:alert(1)>",
)


def raw_markup_in(body: str) -> list[str]:
    """Injected tags or handlers found in a page, whatever the payload's marker."""
    found = [p for p in PAYLOADS if p in body]
    for pattern in (
        r"<script>alert",
        r"<img src=x onerror",
        r"<svg onload",
        r"<iframe src=javascript",
        r"href=\"?javascript:",
        r"\"><b>bold",
    ):
        if re.search(pattern, body, re.IGNORECASE):
            found.append(pattern)
    return found


@pytest.fixture
def victim(app, firm_a, signed_in_en, host_client):
    """A fresh client company typed in by the admin, with its own client user."""
    from yk_saas.accounts.services import create_user
    from yk_saas.clients.models import ClientCompany

    tag = uuid.uuid4().hex[:8]
    admin = signed_in_en(firm_a, "admin")
    name = f"Xss {tag} <script>alert('xss')</script><img src=x onerror=alert(1)>"
    response = admin.post("/desk/clients/", {"name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    company_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    email = f"xss-{tag}@alpha.example.com"
    with app.app_context(), tenant_context(firm_a["slug"]):
        assert db.session.get(ClientCompany, company_id).name == name
        create_user(email, f"Xss Client {tag}", "client", PASSWORD, client_company_id=company_id)
        db.session.commit()
    client = host_client(firm_a["host"])
    assert client.login(email).status_code == 302
    return {"tag": tag, "admin": admin, "client": client, "company_id": company_id}


def assert_clean(client, paths, expect_escaped=True):
    dirty, escaped = [], False
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        body = response.get_data(as_text=True)
        if found := raw_markup_in(body):
            dirty.append((path, found))
        escaped = (
            escaped or "&lt;script&gt;" in body or "&lt;img" in body or "&#34;&gt;&lt;b&gt;" in body
        )
    assert dirty == []
    if expect_escaped:
        assert escaped, "the payload should be shown, as text"


def test_company_name_and_client_note(victim, signed_in_en, firm_a):
    admin, company = victim["admin"], victim["company_id"]
    for payload in PAYLOADS:
        assert admin.post(f"/desk/clients/{company}/notes", {"body": payload}).status_code in (
            200,
            302,
            303,
        )
    assert_clean(
        admin, ["/desk/clients/", f"/desk/clients/{company}", f"/desk/clients/?q={victim['tag']}"]
    )
    assert_clean(victim["client"], ["/portal/"], expect_escaped=False)


def test_request_title_and_description(app, victim, signed_in_en, firm_a):
    client = victim["client"]
    form = client.get("/portal/work/new").get_data(as_text=True)
    kind = re.search(r'name="request_type"[^>]*>\s*<option[^>]*value="([^"]*)"', form).group(1)
    ids = []
    for payload in PAYLOADS:
        response = client.post(
            "/portal/work/new",
            {
                "title": f"Req {payload}",
                "request_type": kind,
                "description": f"Please {payload}",
                "urgency": "normal",
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 303, re.findall(
            r"(?:alert|error)[^>]*>([^<]*)", response.get_data(as_text=True)
        )
        ids.append(int(re.search(r"/portal/work/(\d+)", response.headers["Location"]).group(1)))
    assert_clean(client, ["/portal/work/", *(f"/portal/work/{i}" for i in ids)])
    admin = victim["admin"]
    assert_clean(admin, ["/desk/work/board", *(f"/desk/work/{i}" for i in ids)])
    assert_clean(signed_in_en(firm_a, "accountant"), ["/desk/work/pool"], expect_escaped=False)


def test_catalog_service_name_and_description(victim):
    admin, client = victim["admin"], victim["client"]
    ids = []
    for payload in PAYLOADS:
        response = admin.post(
            "/desk/admin/catalog/services/new",
            {
                "name": f"Svc {victim['tag']} {payload}",
                "category_id": "0",
                "description": f"<p>ok</p>{payload}",
                "price": "10.00",
                "billing_cycle": "one_off",
                "sort_order": "0",
                "published": "y",
            },
        )
        assert response.status_code == 303, re.findall(
            r"alert\">([^<]*)", response.get_data(as_text=True)
        )
        ids.append(int(response.headers["Location"].rstrip("/").split("/")[-1]))
    assert_clean(
        admin, ["/desk/admin/catalog/", *(f"/desk/admin/catalog/services/{i}" for i in ids)]
    )
    assert_clean(
        client, [f"/portal/catalog/?q={victim['tag']}", *(f"/portal/catalog/{i}" for i in ids)]
    )


def test_complaint_subject_and_description(victim):
    client, admin = victim["client"], victim["admin"]
    ids = []
    for payload in PAYLOADS:
        response = client.post(
            "/portal/feedback/complaints/",
            {"title": f"Bad {payload}", "description": payload},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        ids.append(int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
        admin.post(f"/desk/feedback/complaints/{ids[-1]}/notes", {"body": payload})
    assert_clean(
        client, ["/portal/feedback/complaints/", *(f"/portal/feedback/complaints/{i}" for i in ids)]
    )
    assert_clean(
        admin, ["/desk/feedback/complaints/", *(f"/desk/feedback/complaints/{i}" for i in ids)]
    )


def test_profile_name(app, firm_a, host_client, signed_in_en):
    from yk_saas.accounts.services import create_user

    tag = uuid.uuid4().hex[:8]
    email = f"xss-staff-{tag}@alpha.example.com"
    with app.app_context(), tenant_context(firm_a["slug"]):
        create_user(email, f"Staff {tag}", "accountant", PASSWORD)
        db.session.commit()
    person = host_client(firm_a["host"])
    assert person.login(email).status_code == 302
    response = person.post(
        "/account/", {"name": "<script>alert('xss')</script>", "phone": "", "locale": "en"}
    )
    assert response.status_code in (200, 302, 303)
    assert_clean(person, ["/account/", "/desk/staff/"])
    assert_clean(
        signed_in_en(firm_a, "admin"),
        ["/desk/admin/accounts/", "/desk/staff/", "/desk/work/duty-capacity"],
    )
