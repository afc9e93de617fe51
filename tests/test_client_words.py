"""Words the client understands: the firm's own terms (pool, claim timeout, escalation) stay in
the desk; the handler is "处理人" unless it is the dedicated accountant; "已申报" is for tax
filings only; errors sit under the field they are about; category counts say what they count."""

import io
import re

import pytest
from flask_babel import force_locale

from tenants import db, tenant_context
from tests.support import work as work_factories
from yk_saas.models_base import utcnow

PDF = b"%PDF-1.4\n% words\n"
INTERNAL_ZH = ("抢单", "超时", "升级", "自动分配", "已申报")
INTERNAL_EN = ("pool", "claim", "timeout", "escalat", "automatically")


def body(response) -> str:
    return response.get_data(as_text=True)


def error_under(page: str, field: str) -> str | None:
    """The error text shown in the form field ``field``'s own block, if any."""
    block = re.search(
        r'<div class="field has-error">\s*<label for="' + field + r'".*?</div>', page, re.DOTALL
    )
    return block.group(0) if block else None


@pytest.fixture
def worked(app, fresh_firm):
    """An item of Company X handled after a claim timeout, with a reminder and an escalation
    (one written before escalations were marked internal); returns (firm, item id)."""
    from yk_saas.work.claims import add_events

    with work_factories.firm(app, fresh_firm["slug"]):
        item_id = work_factories.new_request(fresh_firm["client_x"], "Renew licence", now=utcnow())
        item = work_factories.item(item_id)
        item.add_entry("event", event="escalated")  # an old row, not marked internal
        item.add_entry(
            "event",
            event="auto_assigned",
            from_state="new",
            to_state="assigned",
            details={"to": fresh_firm["ids"]["accountant2"], "policy": "round_robin"},
        )
        item.assignee_id, item.state = fresh_firm["ids"]["accountant2"], "assigned"
        add_events([item_id], "reminded")
    return fresh_firm, item_id


def test_the_client_timeline_names_the_handler_in_the_clients_words(app, worked, signed_in):
    firm, item_id = worked
    client = signed_in(firm, "client_x")  # the firm's language: Chinese
    page = body(client.get(f"/portal/work/{item_id}"))
    live = page[page.index('id="work-live"') :]
    assert "已安排处理人" in live and f"处理人: {firm['marker']} Accountant Two" in live
    assert "已提交申请" in live
    for word in INTERNAL_ZH:
        assert word not in live, word
    # The desk keeps the firm's own words.
    desk = body(signed_in(firm, "admin").get(f"/desk/work/{item_id}"))
    assert "抢单超时后自动分配" in desk


def test_the_client_timeline_in_english(app, worked, signed_in_en):
    firm, item_id = worked
    live = body(signed_in_en(firm, "client_x").get(f"/portal/work/{item_id}/timeline"))
    assert "Handler assigned" in live and f"Handler: {firm['marker']} Accountant Two" in live
    assert "Request submitted" in live
    for word in INTERNAL_EN:
        assert word not in live.lower(), word


def test_the_handler_is_called_your_accountant_only_when_it_is_the_dedicated_one(
    app, worked, signed_in
):
    from yk_saas.clients.models import ClientCompany

    firm, item_id = worked
    client = signed_in(firm, "client_x")
    handled = body(client.get(f"/portal/work/{item_id}/timeline"))
    assert re.search(r"处理人:\s*<strong id=\"work-assignee\">", handled)
    assert "您的专属会计" not in handled
    with app.app_context(), tenant_context(firm["slug"]):
        company = db.session.get(ClientCompany, firm["ids"]["company_x"])
        company.dedicated_accountant_id = firm["ids"]["accountant2"]
        db.session.commit()
    dedicated = body(client.get(f"/portal/work/{item_id}/timeline"))
    assert re.search(r"您的专属会计:\s*<strong id=\"work-assignee\">", dedicated)


def test_filed_is_said_of_tax_filings_only(app, worked, signed_in):
    from yk_saas.ledgers.forms import FILING_LABELS
    from yk_saas.work.labels import EVENT_LABELS

    firm, item_id = worked
    page = body(signed_in(firm, "client_x").get(f"/portal/work/{item_id}"))
    assert "已申报" not in page and "提交时间" in page
    board = body(signed_in(firm, "admin").get("/desk/work/board"))
    assert "已申报" not in board
    with app.test_request_context(), force_locale("zh_CN"):
        assert str(FILING_LABELS["filed"]) == "已申报"
        assert str(EVENT_LABELS["filed"]) == "已提交申请"


def test_a_credit_code_error_sits_under_the_credit_code(app, fresh_firm, signed_in_en):
    admin = signed_in_en(fresh_firm, "admin")
    created = admin.post("/desk/clients/", {"name": "Brand New Co", "credit_code": "12345"})
    page = body(created)
    assert created.status_code == 422
    assert "has 18 characters" in (error_under(page, "credit_code") or "")
    assert error_under(page, "name") is None
    # And a name already taken sits under the name, on the profile form of another company.
    edited = admin.post(
        f"/desk/clients/{fresh_firm['ids']['company_y']}/profile",
        {"name": f"{fresh_firm['marker']} Company X", "credit_code": ""},
    )
    page = body(edited)
    assert edited.status_code == 422
    assert "already exists" in (error_under(page, "name") or "")
    assert error_under(page, "credit_code") is None


def test_a_refused_upload_sits_under_the_file_field(app, fresh_firm, signed_in_en):
    from yk_saas.work import services

    with work_factories.firm(app, fresh_firm["slug"]):
        accountant = work_factories.person(fresh_firm["accountant"])
        work_factories.reset_staff(accountant.id, capacity=50)
        item_id = work_factories.new_request(fresh_firm["client_x"], "Payroll", now=utcnow())
        services.claim_item(item_id, accountant)
        services.post_progress(
            work_factories.item(item_id), accountant, "Which month?", "waiting_on_client"
        )
    client = signed_in_en(fresh_firm, "client_x")
    refused = client.post(
        f"/portal/work/{item_id}/reply",
        {"body": "Here it is", "files": (io.BytesIO(b"MZ\x90\x00"), "payroll.pdf")},
        content_type="multipart/form-data",
    )
    page = body(refused)
    assert refused.status_code == 422
    assert "This type of file is not accepted" in (error_under(page, "files") or "")
    assert error_under(page, "body") is None
    fine = client.post(
        f"/portal/work/{item_id}/reply",
        {"body": "Here it is", "files": (io.BytesIO(PDF), "payroll.pdf")},
        content_type="multipart/form-data",
    )
    assert fine.status_code == 303


def test_category_counts_say_what_they_count(app, fresh_firm, signed_in, signed_in_en, host_client):
    from yk_saas.accounts.services import find_user_by_email
    from yk_saas.catalog import services as catalog
    from yk_saas.site import services as site

    with app.app_context(), tenant_context(fresh_firm["slug"]):
        category = catalog.save_category("Payroll", sort_order=7)
        db.session.flush()
        for name, published in (("Payroll monthly", True), ("Payroll audit", False)):
            catalog.save_service(
                {
                    "name": name,
                    "price_cents": 10000,
                    "currency": "CNY",
                    "billing_cycle": "one_off",
                    "published": published,
                    "recommended": False,
                    "sort_order": 0,
                    "category_id": category.id,
                }
            )
        site.save_section(None, "categories", "", "")
        site.publish(find_user_by_email(fresh_firm["owner"]))
        db.session.commit()
    desk = body(signed_in_en(fresh_firm, "admin").get("/desk/admin/catalog/"))
    row = re.search(r'<li id="category-\d+">.*?</li>', desk, re.DOTALL).group(0)
    assert "2 services, 1 published" in row and "Order: 7" in row and "(7)" not in row
    desk_zh = body(signed_in(fresh_firm, "owner").get("/desk/admin/catalog/"))
    assert "2 项服务, 1 项已上架" in desk_zh and "排序：7" in desk_zh
    home = body(host_client(fresh_firm["host"]).get("/"))
    assert re.search(r"Payroll</a><span class=\"muted category-count\">1 项服务</span>", home)
