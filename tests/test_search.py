"""Keyword search on the claim pool, the work board, invoices and clients: HTMX lists that keep
their words in the address, wildcards taken literally, nothing beyond what the reader sees."""

import re

import pytest

from tenants import db, tenant_context
from tests.support import billing as billing_factories
from tests.support import work as work_factories
from yk_saas.search import like_pattern

HX = {"HX-Request": "true"}


@pytest.fixture
def searched(app, fresh_firm):
    """A firm of its own with companies whose names hold LIKE wildcards, a few pool items and
    invoices; returns (firm, ids)."""
    from yk_saas.clients.models import ClientCompany
    from yk_saas.models_base import utcnow

    ids = {}
    with app.app_context(), tenant_context(fresh_firm["slug"]):
        for key, name in (
            ("percent", "100% Tax Co"),
            ("hundred", "1000 Tax Co"),
            ("underscore", "A_B Trading"),
            ("plain", "AxB Trading"),
        ):
            company = ClientCompany(name=name)
            db.session.add(company)
            db.session.flush()
            ids[key] = company.id
        db.session.commit()
        ids["invoice_x"] = billing_factories.new_invoice(fresh_firm["ids"]["company_x"], 12000)
        ids["invoice_y"] = billing_factories.new_invoice(fresh_firm["ids"]["company_y"], 34000)
    with work_factories.firm(app, fresh_firm["slug"]):
        now = utcnow()
        ids["licence"] = work_factories.new_request(
            fresh_firm["client_x"], "Renew business licence", now=now
        )
        ids["vat"] = work_factories.new_request(fresh_firm["client_y"], "VAT invoice 50%", now=now)
    return fresh_firm, ids


def body(response) -> str:
    return response.get_data(as_text=True)


def test_like_wildcards_are_escaped():
    assert like_pattern("50%") == r"%50\%%"
    assert like_pattern("a_b") == r"%a\_b%"
    assert like_pattern("back\\slash") == r"%back\\slash%"


def test_a_percent_or_underscore_in_the_words_matches_itself(app, searched, signed_in_en):
    firm, _ids = searched
    admin = signed_in_en(firm, "admin")
    percent = body(admin.get("/desk/clients/?q=%25", headers=HX))
    assert "100% Tax Co" in percent and "1000 Tax Co" not in percent
    assert "Trading" not in percent
    underscore = body(admin.get("/desk/clients/?q=_", headers=HX))
    assert "A_B Trading" in underscore and "AxB Trading" not in underscore
    assert "Tax Co" not in underscore
    pool = body(admin.get("/desk/work/pool?q=50%25", headers=HX))
    assert "VAT invoice 50%" in pool and "Renew business licence" not in pool
    assert "Renew business licence" not in body(admin.get("/desk/work/pool?q=_", headers=HX))


def test_the_claim_pool_filters_as_a_fragment_and_keeps_its_words(app, searched, signed_in_en):
    firm, ids = searched
    accountant = signed_in_en(firm, "accountant")
    fragment = body(accountant.get("/desk/work/pool?q=licence", headers=HX))
    assert not fragment.lstrip().startswith("<!doctype")  # only the list is rendered
    assert fragment.lstrip().startswith('<section class="card" id="work-pool"')
    assert "Renew business licence" in fragment and "VAT invoice" not in fragment
    # The list refreshes itself and claims with the same words.
    assert 'hx-get="/desk/work/pool?page=1&amp;q=licence"' in fragment
    assert f'hx-post="/desk/work/{ids["licence"]}/claim?q=licence"' in fragment
    # By number, and by the client company's name.
    by_number = body(accountant.get(f"/desk/work/pool?q=%23{ids['vat']}", headers=HX))
    assert "VAT invoice" in by_number and "Renew business licence" not in by_number
    by_company = body(accountant.get("/desk/work/pool?q=Company+Y", headers=HX))
    assert "VAT invoice" in by_company and "Renew business licence" not in by_company
    # The whole page keeps the words in its search box; nothing found says so.
    page = body(accountant.get("/desk/work/pool?q=licence"))
    assert re.search(r'<input id="q" type="search" name="q" value="licence"', page)
    assert 'hx-push-url="true"' in page and 'hx-trigger="input changed delay:300ms, search"' in page
    nothing = body(accountant.get("/desk/work/pool?q=zzz-none", headers=HX))
    assert "Nothing in the pool matches “zzz-none”." in nothing


def test_the_empty_result_sentence_is_in_chinese_too(app, searched, signed_in):
    firm, _ids = searched
    admin = signed_in(firm, "admin")  # the firm's own language: Chinese
    assert "抢单池中没有与“zzz”相符的事项。" in body(admin.get("/desk/work/pool?q=zzz", headers=HX))
    assert "没有与“zzz”相符的发票。" in body(admin.get("/desk/billing/?q=zzz", headers=HX))
    assert "没有与“zzz”相符的客户公司。" in body(admin.get("/desk/clients/?q=zzz", headers=HX))
    board = body(admin.get("/desk/work/board?q=zzz", headers=HX))
    assert "在这些筛选条件下，没有与“zzz”相符的事项。" in board


def test_the_work_board_searches_within_its_filters(app, searched, signed_in_en):
    firm, _ids = searched
    admin = signed_in_en(firm, "admin")
    board = body(admin.get("/desk/work/board?q=licence&state=new", headers=HX))
    assert board.lstrip().startswith('<section class="card" id="work-board"')
    assert "Renew business licence" in board and "VAT invoice" not in board
    assert "Renew business licence" not in body(
        admin.get("/desk/work/board?q=licence&state=done", headers=HX)
    )


def test_invoices_by_client_number_and_state(app, searched, signed_in_en):
    firm, ids = searched
    with app.app_context(), tenant_context(firm["slug"]):
        from yk_saas.billing.models import Invoice

        number_x = db.session.get(Invoice, ids["invoice_x"]).number
        number_y = db.session.get(Invoice, ids["invoice_y"]).number
    admin = signed_in_en(firm, "admin")
    by_client = body(admin.get("/desk/billing/?q=company+x", headers=HX))
    assert by_client.lstrip().startswith('<section id="invoice-list">')
    assert number_x in by_client and number_y not in by_client
    by_number = body(admin.get(f"/desk/billing/?q={number_y}", headers=HX))
    assert number_y in by_number and number_x not in by_number
    unpaid = body(admin.get("/desk/billing/?q=company&status=open", headers=HX))
    assert number_x in unpaid and number_y in unpaid
    paid = body(admin.get("/desk/billing/?q=company&status=paid", headers=HX))
    assert number_x not in paid and "No invoices match “company”." in paid


def test_a_search_never_shows_more_than_the_reader_may_see(app, searched, signed_in_en):
    """An accountant who looks after Company X only finds X's invoices and clients."""
    firm, ids = searched
    with app.app_context(), tenant_context(firm["slug"]):
        from yk_saas.billing.models import Invoice
        from yk_saas.clients.models import ClientCompany

        db.session.get(ClientCompany, firm["ids"]["company_x"]).dedicated_accountant_id = firm[
            "ids"
        ]["accountant"]
        db.session.commit()
        number_y = db.session.get(Invoice, ids["invoice_y"]).number
    accountant = signed_in_en(firm, "accountant")
    invoices = body(accountant.get("/desk/billing/?q=Company", headers=HX))
    assert number_y not in invoices and "Company Y" not in invoices
    assert "Company Y" not in body(accountant.get("/desk/clients/?q=Company", headers=HX))
    client = signed_in_en(firm, "client_x")
    assert client.get("/desk/work/pool?q=VAT").status_code in (403, 404)


def test_pages_of_a_search_keep_its_words(app, fresh_firm, signed_in_en):
    from yk_saas.models_base import utcnow
    from yk_saas.work.boards import PER_PAGE

    with work_factories.firm(app, fresh_firm["slug"]):
        now = utcnow()
        for n in range(PER_PAGE + 1):
            work_factories.new_request(fresh_firm["client_x"], f"Payroll month {n}", now=now)
        work_factories.new_request(fresh_firm["client_x"], "Something else", now=now)
    admin = signed_in_en(fresh_firm, "admin")
    first = body(admin.get("/desk/work/pool?q=payroll", headers=HX))
    assert "Something else" not in first
    next_link = re.search(r'<a href="([^"]+)">Next', first).group(1)
    assert next_link == "/desk/work/pool?q=payroll&amp;page=2"
    second = body(admin.get("/desk/work/pool?q=payroll&page=2", headers=HX))
    assert second.count("Payroll month") == 1 and "Something else" not in second
    board = body(admin.get("/desk/work/board?q=payroll", headers=HX))
    assert re.search(r'href="/desk/work/board\?[^"]*q=payroll[^"]*page=2"', board)
