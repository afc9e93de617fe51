"""Client companies: credit codes, profile, contacts, tags, notes, accountant history, the portal card."""

import pytest
from sqlalchemy import func, select

from tenants import db, tenant_context
from yk_saas.audit.models import AuditEntry
from yk_saas.clients.creditcode import check_character, is_valid_credit_code, validate_credit_code
from yk_saas.clients.models import AccountantChange, ClientCompany


def make_code(first17):
    return first17 + check_character(first17)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "911101080628135175", "91440300708461136T", " 91350100m000100y43 "],
)
def test_valid_credit_codes_pass(code):
    assert is_valid_credit_code(code)
    assert validate_credit_code(code) == code.strip().upper()


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91350100M000100Y44", "check"),
        ("911101080628135176", "check"),
        ("91440300708461136A", "check"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("9135O100M000100Y43", "characters"),
        ("91350100I000100Y43", "characters"),
    ],
)
def test_invalid_credit_codes_fail_with_a_reason(code, reason):
    from yk_saas.clients.creditcode import CreditCodeError

    assert not is_valid_credit_code(code)
    with pytest.raises(CreditCodeError, match=reason):
        validate_credit_code(code)


def test_admin_adds_a_company_and_a_wrong_check_digit_is_refused(app, firm_a, signed_in_en):
    admin = signed_in_en(firm_a, "admin")
    bad = admin.post(
        "/desk/clients/", {"name": "Typo Trading", "credit_code": "91350100M000100Y44"}
    )
    assert bad.status_code == 422 and "check digit" in bad.get_data(as_text=True)
    code = make_code("9131000066070001A")
    good = admin.post(
        "/desk/clients/",
        {
            "name": "Crm Test Trading",
            "credit_code": code,
            "industry": "Retail",
            "tax_type": "general",
            "size": "small",
        },
    )
    assert good.status_code == 302
    page = admin.get(good.headers["Location"]).get_data(as_text=True)
    assert code in page and "General taxpayer" in page and "Retail" in page


def new_company(app, name, slug="alpha"):
    with app.app_context(), tenant_context(slug):
        company = ClientCompany(name=name)
        db.session.add(company)
        db.session.commit()
        return company.id


def test_contacts_tags_and_note_history(app, firm_a, signed_in_en):
    company_id = new_company(app, "Crm Contacts Co")
    admin = signed_in_en(firm_a, "admin")
    base = f"/desk/clients/{company_id}"
    admin.post(f"{base}/contacts", {"name": "Ann First", "phone": "13800000001"})
    admin.post(f"{base}/contacts", {"name": "Bob Second", "primary": "y"})
    admin.post(f"{base}/tags", {"tags": "VIP, export，VIP"})
    admin.post(f"{base}/notes", {"body": "Prefers calls in the morning"})
    page = admin.get(base).get_data(as_text=True)
    assert page.count(">Primary<") == 1 and page.index("Bob Second") < page.index("Ann First")
    assert ">VIP<" in page and ">export<" in page
    with app.app_context(), tenant_context("alpha"):
        from yk_saas.clients.models import ClientNote

        note_id = db.session.scalar(
            select(ClientNote.id).where(ClientNote.company_id == company_id)
        )
    admin.post(f"{base}/notes/{note_id}", {"body": "Prefers WeChat messages"})
    page = admin.get(base).get_data(as_text=True)
    assert (
        "Prefers WeChat messages" in page and "Prefers calls" not in page and "2 versions" in page
    )
    with app.app_context(), tenant_context("alpha"):
        edit_id = db.session.scalar(select(ClientNote.id).where(ClientNote.replaces_id == note_id))
    history = admin.get(f"{base}/notes/{edit_id}/history").get_data(as_text=True)
    assert "Prefers calls in the morning" in history and "Prefers WeChat messages" in history


def test_changing_the_accountant_keeps_history_audits_and_shows_on_the_portal_card(
    app, fresh_firm, signed_in_en
):
    firm, ids = fresh_firm, fresh_firm["ids"]
    company_x, accountant, accountant2 = ids["company_x"], ids["accountant"], ids["accountant2"]
    with app.app_context(), tenant_context(firm["slug"]):
        from yk_saas.clients.models import StaffProfile

        db.session.add(StaffProfile(user_id=accountant, wechat="acc_wechat_01"))
        db.session.commit()
    admin = signed_in_en(firm, "admin")
    change = f"/desk/clients/{company_x}/accountant"
    assert admin.post(change, {"accountant_id": str(accountant)}).status_code == 302
    assert admin.post(change, {"accountant_id": str(accountant2)}).status_code == 302
    with app.app_context(), tenant_context(firm["slug"]):
        changes = db.session.scalars(
            select(AccountantChange)
            .where(AccountantChange.company_id == company_x)
            .order_by(AccountantChange.id.desc())
        ).all()
        audits = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "dedicated_accountant_changed",
                AuditEntry.target_id == company_x,
            )
        ).all()
    assert [(c.old_id, c.new_id, c.by_id) for c in changes] == [
        (accountant, accountant2, ids["admin"]),
        (None, accountant, ids["admin"]),
    ]
    assert len(audits) == 2
    assert f"{firm['marker']} Accountant Two" in signed_in_en(firm, "client_x").get(
        "/portal/"
    ).get_data(as_text=True)
    admin.post(change, {"accountant_id": str(accountant)})
    card = signed_in_en(firm, "client_x").get("/portal/").get_data(as_text=True)
    assert 'id="accountant-card"' in card and "acc_wechat_01" in card and firm["accountant"] in card


def test_a_new_dedicated_accountant_and_the_clients_people_are_told(app, fresh_firm, signed_in_en):
    from flask_babel import force_locale

    from yk_saas.notifications.models import Notification
    from yk_saas.notifications.services import render_title

    ids, marker = fresh_firm["ids"], fresh_firm["marker"]

    def notices():
        with app.app_context(), tenant_context(fresh_firm["slug"]):
            return db.session.execute(
                select(
                    Notification.user_id, Notification.event, Notification.params, Notification.link
                )
                .where(Notification.event.in_(("client_assigned", "client_accountant_changed")))
                .order_by(Notification.id)
            ).all()

    admin = signed_in_en(fresh_firm, "admin")
    company = ids["company_x"]
    url = f"/desk/clients/{company}/accountant"
    assert admin.post(url, {"accountant_id": str(ids["accountant"])}).status_code == 302
    first = notices()
    assert [(n.user_id, n.event) for n in first] == [
        (ids["accountant"], "client_assigned"),
        (ids["client_x"], "client_accountant_changed"),
    ]
    assert (
        first[0].link == f"/desk/clients/?q={marker}%20Company%20X" and first[1].link == "/portal/"
    )
    with app.test_request_context(), tenant_context(fresh_firm["slug"]):
        for locale, assigned, changed in (
            (
                "en",
                f"You are now the dedicated accountant of {marker} Company X",
                f"{marker} Accountant is now your dedicated accountant",
            ),
            (
                "zh_Hans_CN",
                f"您现在是{marker} Company X的专属会计",
                f"{marker} Accountant现在是您的专属会计",
            ),
        ):
            with force_locale(locale):
                assert render_title(first[0].event, first[0].params) == assigned
                assert render_title(first[1].event, first[1].params) == changed
    # Each reader opens their link: the accountant's client list finds the company.
    found = signed_in_en(fresh_firm, "accountant").get(first[0].link)
    assert found.status_code == 200 and f"/desk/clients/{company}" in found.get_data(as_text=True)
    assert signed_in_en(fresh_firm, "client_x").get(first[1].link).status_code == 200

    # Reassigned: the new accountant and the client are told; the old one and company Y are not.
    assert admin.post(url, {"accountant_id": str(ids["accountant2"])}).status_code == 302
    second = notices()[len(first) :]
    assert [(n.user_id, n.event) for n in second] == [
        (ids["accountant2"], "client_assigned"),
        (ids["client_x"], "client_accountant_changed"),
    ]
    assert second[1].params["accountant"] == f"{marker} Accountant Two"
    # Nobody: no one to introduce; the same accountant again: no change, no notice.
    assert admin.post(url, {"accountant_id": ""}).status_code == 302
    assert admin.post(url, {"accountant_id": ""}).status_code == 302
    assert len(notices()) == 4
    assert ids["client_y"] not in {n.user_id for n in notices()}


def test_an_accountant_sees_only_their_own_clients(app, firm_a, signed_in_en):
    own = new_company(app, "Crm Own Client")
    other = new_company(app, "Crm Other Client")
    with app.app_context(), tenant_context("alpha"):
        db.session.get(ClientCompany, own).dedicated_accountant_id = firm_a["ids"]["accountant2"]
        db.session.commit()
    acc2 = signed_in_en(firm_a, "accountant2")
    listing = acc2.get("/desk/clients/").get_data(as_text=True)
    assert "Crm Own Client" in listing and "Crm Other Client" not in listing
    assert acc2.get(f"/desk/clients/{own}").status_code == 200
    assert acc2.get(f"/desk/clients/{other}").status_code == 404
    assert acc2.post(f"/desk/clients/{other}/notes", {"body": "sneaky"}).status_code == 404


def test_demo_firms_get_valid_profiles_a_year_of_books_and_feedback(app):
    from yk_saas.demo import seed_demo
    from yk_saas.feedback.models import Complaint, FollowUp
    from yk_saas.ledgers.models import LedgerPeriod

    with app.app_context():
        seed_demo()
        with tenant_context("mingda"):
            companies = db.session.scalars(select(ClientCompany)).all()
            assert companies and all(
                is_valid_credit_code(c.credit_code) and c.industry for c in companies
            )
            assert (
                db.session.scalar(
                    select(func.count(LedgerPeriod.id)).where(
                        LedgerPeriod.company_id == companies[0].id
                    )
                )
                >= 12
            )
            assert db.session.scalar(select(func.count(Complaint.id))) >= 2
            assert db.session.scalar(select(func.count(FollowUp.id))) >= 2
            assert db.session.scalar(select(func.count(AccountantChange.id))) >= 2


def test_history_is_kept_when_another_feature_changes_the_accountant(app, firm_a):
    from yk_saas import signals

    accountant2, admin = firm_a["ids"]["accountant2"], firm_a["ids"]["admin"]
    company_id = new_company(app, "Signal History Co")
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        signals.dedicated_accountant_changed.send(
            app, company_id=company_id, old_id=None, new_id=accountant2, by_id=admin
        )
        db.session.commit()
        change = db.session.scalar(
            select(AccountantChange).where(AccountantChange.company_id == company_id)
        )
    assert (change.old_id, change.new_id, change.by_id) == (None, accountant2, admin)


def test_the_accountants_photo_is_shown_to_their_own_clients_only(app, fresh_firm, signed_in_en):
    import io

    firm, ids = fresh_firm, fresh_firm["ids"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    admin = signed_in_en(firm, "admin")
    assigned = admin.post(
        f"/desk/clients/{ids['company_x']}/accountant", {"accountant_id": str(ids["accountant"])}
    )
    assert assigned.status_code == 302
    accountant = signed_in_en(firm, "accountant")
    saved = accountant.post(
        "/desk/staff/profile",
        {
            "title": "Senior accountant",
            "phone": "13900001111",
            "wechat": "acc_wechat_01",
            "photo": (io.BytesIO(png), "me.png"),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    photo = f"/desk/staff/photo/{ids['accountant']}"
    card = signed_in_en(firm, "client_x").get("/portal/").get_data(as_text=True)
    assert photo in card and "13900001111" in card and "Senior accountant" in card
    assert signed_in_en(firm, "client_x").get(photo).data == png
    assert signed_in_en(firm, "client_y").get(photo).status_code == 404
    directory = admin.get("/desk/staff/").get_data(as_text=True)
    assert "Senior accountant" in directory and "acc_wechat_01" in directory


def test_only_a_manager_changes_the_dedicated_accountant_and_to_active_staff(app, firm_a):
    from yk_saas.accounts.models import User
    from yk_saas.clients.services import ClientError, change_dedicated_accountant

    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        people = {u.email: u for u in db.session.scalars(select(User).where(User.role != "client"))}
        accountant, admin = people[firm_a["accountant"]], people[firm_a["admin"]]
        company = ClientCompany(name="Rank Rule Co")
        db.session.add(company)
        db.session.flush()
        with pytest.raises(ClientError):
            change_dedicated_accountant(company, accountant.id, accountant)
        assert company.dedicated_accountant_id is None
        assert change_dedicated_accountant(company, admin.id, admin)  # a manager may be assigned
        client = db.session.scalar(select(User).where(User.email == firm_a["client_x"]))
        with pytest.raises(ClientError):
            change_dedicated_accountant(company, client.id, admin)
        db.session.rollback()
