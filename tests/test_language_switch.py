"""One language switch on every page: it offers the other language, works both ways, is kept
on a signed-in person's account, and ``<html lang>`` says which language the page is in."""

import re

import pytest
from sqlalchemy import select

from tenants import db, tenant_context
from tests.support import PASSWORD, PLATFORM

HOME = {"owner": "/desk/", "admin": "/desk/", "accountant": "/desk/", "client_x": "/portal/"}


def page_language(html: str) -> str:
    """(``<html lang>``, the language the switch offers) of a page, checked to agree."""
    lang = re.search(r'<html lang="([^"]+)"', html).group(1)
    offers = re.findall(r'<button name="locale" value="([^"]+)"', html)
    assert len(offers) == 1, f"one language switch per page, found {offers}"
    label = {"en": "English", "zh_CN": "简体中文"}[offers[0]]
    assert f">{label}</button>" in html
    # The switch offers the other language, never the one already shown.
    assert (lang, offers[0]) in {("zh-CN", "en"), ("en", "zh_CN")}, (lang, offers)
    return lang


def stored_locale(app, firm, email):
    from yk_saas.accounts.models import User

    with app.app_context(), tenant_context(firm["slug"]):
        return db.session.scalar(select(User.locale).where(User.email == email))


def switch(client, locale, path):
    response = client.post("/lang", {"locale": locale, "next": path})
    assert response.status_code == 303 and response.headers["Location"].endswith(path)


@pytest.mark.parametrize("who", list(HOME))
def test_each_role_switches_both_ways_and_keeps_the_choice(app, firm_a, signed_in, who):
    from yk_saas.accounts.models import User

    with app.app_context(), tenant_context("alpha"):
        db.session.execute(User.__table__.update().values(locale=None))
        db.session.commit()
    client = signed_in(firm_a, who)
    path = HOME[who]
    assert page_language(client.get(path).get_data(as_text=True)) == "zh-CN"
    switch(client, "en", path)
    assert page_language(client.get(path).get_data(as_text=True)) == "en"
    assert stored_locale(app, firm_a, firm_a[who]) == "en"
    switch(client, "zh_CN", path)
    assert page_language(client.get(path).get_data(as_text=True)) == "zh-CN"
    assert stored_locale(app, firm_a, firm_a[who]) == "zh_CN"
    # The choice travels with the account to the next sign-in.
    switch(client, "en", path)
    again = signed_in(firm_a, who)
    assert page_language(again.get(path).get_data(as_text=True)) == "en"
    switch(again, "zh_CN", path)


@pytest.mark.parametrize(
    "host_of, path",
    [("firm", "/"), ("firm", "/login"), ("platform", "/")],
    ids=["public site", "sign-in", "platform"],
)
def test_anonymous_visitor_switches_both_ways(firm_a, host_client, host_of, path):
    client = host_client(firm_a["host"] if host_of == "firm" else PLATFORM)
    assert page_language(client.get(path).get_data(as_text=True)) == "zh-CN"
    switch(client, "en", path)
    assert page_language(client.get(path).get_data(as_text=True)) == "en"
    switch(client, "zh_CN", path)
    assert page_language(client.get(path).get_data(as_text=True)) == "zh-CN"


def test_client_of_an_english_firm_is_not_locked_in_chinese(app, host_client):
    from yk_saas.accounts.services import create_user
    from yk_saas.clients.models import ClientCompany
    from yk_saas.platform.services import FirmSignup, signup_firm

    with app.app_context():
        signup_firm(
            FirmSignup(
                "English Firm",
                "engfirm",
                "Eng Owner",
                "owner@engfirm.example.com",
                PASSWORD,
                locale="en",
            )
        )
        with tenant_context("engfirm"):
            company = ClientCompany(name="Eng Client Co")
            db.session.add(company)
            db.session.flush()
            create_user(
                "client@engfirm.example.com",
                "Eng Client",
                "client",
                PASSWORD,
                client_company_id=company.id,
            )
            db.session.commit()
    client = host_client(f"engfirm.{PLATFORM}")
    assert page_language(client.get("/").get_data(as_text=True)) == "en"
    assert client.login("client@engfirm.example.com").status_code == 302
    assert page_language(client.get("/portal/").get_data(as_text=True)) == "en"
    switch(client, "zh_CN", "/portal/")
    assert page_language(client.get("/portal/").get_data(as_text=True)) == "zh-CN"
    switch(client, "en", "/portal/")
    assert page_language(client.get("/portal/").get_data(as_text=True)) == "en"
    # A public page of the firm, signed in, follows the account too.
    assert page_language(client.get("/").get_data(as_text=True)) == "en"
