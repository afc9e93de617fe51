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


def new_company(app, name):
    with app.app_context(), tenant_context("alpha"):
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
    history = admin.get(f"{base}/notes/{note_id + 1}/history").get_data(as_text=True)
    assert "Prefers calls in the morning" in history and "Prefers WeChat messages" in history


def test_changing_the_accountant_keeps_history_audits_and_shows_on_the_portal_card(
    app, firm_a, signed_in_en
):
    admin = signed_in_en(firm_a, "admin")
    with app.app_context(), tenant_context("alpha"):
        from yk_saas.clients.models import StaffProfile

        if db.session.get(StaffProfile, 3) is None:
            db.session.add(StaffProfile(user_id=3, wechat="acc_wechat_01"))
            db.session.commit()
    admin.post("/desk/clients/1/accountant", {"accountant_id": ""})
    assert admin.post("/desk/clients/1/accountant", {"accountant_id": "3"}).status_code == 302
    assert admin.post("/desk/clients/1/accountant", {"accountant_id": "4"}).status_code == 302
    with app.app_context(), tenant_context("alpha"):
        changes = db.session.scalars(
            select(AccountantChange)
            .where(AccountantChange.company_id == 1)
            .order_by(AccountantChange.id.desc())
        ).all()
        audits = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "dedicated_accountant_changed", AuditEntry.target_id == 1
            )
        ).all()
    assert (changes[0].old_id, changes[0].new_id, changes[0].by_id) == (3, 4, 2) and len(
        audits
    ) >= 2
    assert "ALPHASECRET Accountant Two" in signed_in_en(firm_a, "client_x").get(
        "/portal/"
    ).get_data(as_text=True)
    admin.post("/desk/clients/1/accountant", {"accountant_id": "3"})
    card = signed_in_en(firm_a, "client_x").get("/portal/").get_data(as_text=True)
    assert (
        'id="accountant-card"' in card and "acc_wechat_01" in card and firm_a["accountant"] in card
    )


def test_an_accountant_sees_only_their_own_clients(app, firm_a, signed_in_en):
    own = new_company(app, "Crm Own Client")
    other = new_company(app, "Crm Other Client")
    with app.app_context(), tenant_context("alpha"):
        db.session.get(ClientCompany, own).dedicated_accountant_id = 4
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

    company_id = new_company(app, "Signal History Co")
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        signals.dedicated_accountant_changed.send(
            app, company_id=company_id, old_id=None, new_id=4, by_id=2
        )
        db.session.commit()
        change = db.session.scalar(
            select(AccountantChange).where(AccountantChange.company_id == company_id)
        )
    assert (change.old_id, change.new_id, change.by_id) == (None, 4, 2)


def test_the_accountants_photo_is_shown_to_their_own_clients_only(app, firm_a, signed_in_en):
    import io

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    admin = signed_in_en(firm_a, "admin")
    admin.post("/desk/clients/1/accountant", {"accountant_id": "3"})
    accountant = signed_in_en(firm_a, "accountant")
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
    card = signed_in_en(firm_a, "client_x").get("/portal/").get_data(as_text=True)
    assert "/desk/staff/photo/3" in card and "13900001111" in card and "Senior accountant" in card
    assert signed_in_en(firm_a, "client_x").get("/desk/staff/photo/3").data == png
    assert signed_in_en(firm_a, "client_y").get("/desk/staff/photo/3").status_code == 404
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
