"""Lists that grow with a firm's data are paged: a page beyond the first shows the rest.

Each list gets one row more than a page holds, in a firm of its own, and the test reads
the first and the second page as a person clicking "Next" would.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from tenants import db, tenant_context
from tests.conftest import HostClient, provision_firm
from yk_saas.clients.models import ClientCompany
from yk_saas.feedback.models import Complaint, FollowUp
from yk_saas.ledgers.models import LedgerPeriod

SLUG = "pagingco"


@pytest.fixture(scope="module")
def firm(app):
    return provision_firm(app, SLUG, "PAGINGCO")


def signed_in(app, firm, who):
    client = HostClient(app, firm["host"])
    assert client.login(firm[who]).status_code == 302
    return client


def texts(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def first_and_second_page(client, url, param="page"):
    joiner = "&" if "?" in url else "?"
    return texts(client, url), texts(client, f"{url}{joiner}{param}=2")


def new_company(name: str) -> int:
    company = ClientCompany(name=name)
    db.session.add(company)
    db.session.flush()
    return company.id


def client_company_id() -> int:
    return db.session.scalar(
        db.select(ClientCompany.id).where(ClientCompany.name == "PAGINGCO Company X")
    )


def test_the_desk_client_list_pages_beyond_fifty(app, firm):
    with app.app_context(), tenant_context(SLUG):
        for n in range(51):
            new_company(f"Paged Client {n:03d}")
        db.session.commit()
    admin = signed_in(app, firm, "admin")
    first, second = first_and_second_page(admin, "/desk/clients/?q=Paged+Client")
    assert "Paged Client 000" in first and "Paged Client 049" in first
    assert "Paged Client 050" not in first
    assert "Paged Client 050" in second and "Paged Client 000" not in second
    assert "q=Paged" in second  # the pager keeps the filter


def complaints_of(company_id: int, prefix: str, count: int) -> None:
    start = datetime(2001, 1, 1, tzinfo=UTC)
    for n in range(count):
        db.session.add(
            Complaint(
                company_id=company_id,
                title=f"{prefix} {n:03d}",
                description="-",
                created_at=start + timedelta(hours=n),
            )
        )
    db.session.commit()


def test_the_desk_complaints_queue_pages_beyond_fifty(app, firm):
    with app.app_context(), tenant_context(SLUG):
        complaints_of(new_company("Complaining Co"), "Queued complaint", 51)
    admin = signed_in(app, firm, "admin")
    first, second = first_and_second_page(admin, "/desk/feedback/complaints/?state=all")
    assert "Queued complaint 050" in first and "Queued complaint 001" in first
    assert "Queued complaint 000" not in first
    assert "Queued complaint 000" in second and "Queued complaint 050" not in second


def test_the_portal_complaints_list_pages_beyond_thirty(app, firm):
    with app.app_context(), tenant_context(SLUG):
        complaints_of(client_company_id(), "Own complaint", 31)
    client = signed_in(app, firm, "client_x")
    first, second = first_and_second_page(client, "/portal/feedback/complaints/")
    assert "Own complaint 030" in first and "Own complaint 000" not in first
    assert "Own complaint 000" in second and "Own complaint 030" not in second


def periods_of(company_id: int, count: int) -> None:
    for n in range(count):
        db.session.add(
            LedgerPeriod(
                company_id=company_id, period=f"{2001 + n // 12}-{n % 12 + 1:02d}", currency="CNY"
            )
        )
    db.session.commit()


def test_the_ledger_lists_page_beyond_two_years(app, firm):
    with app.app_context(), tenant_context(SLUG):
        company_id = new_company("Bookish Co")
        periods_of(company_id, 25)
        periods_of(client_company_id(), 25)
    admin = signed_in(app, firm, "admin")
    first, second = first_and_second_page(admin, f"/desk/ledgers/company/{company_id}")
    assert ">2003-01<" in first and ">2001-01<" not in first
    assert ">2001-01<" in second and ">2003-01<" not in second
    client = signed_in(app, firm, "client_x")
    first, second = first_and_second_page(client, "/portal/ledgers/")
    assert ">2003-01<" in first and ">2001-01<" not in first
    assert ">2001-01<" in second and ">2003-01<" not in second


def followups_of(company_id: int, purpose: str, count: int, done: bool = False) -> None:
    for n in range(count):
        db.session.add(
            FollowUp(
                company_id=company_id,
                scheduled_for=date(2090, 1, 1) + timedelta(days=n),
                method="phone",
                purpose=f"{purpose} {n:03d}",
                outcome=f"{purpose} {n:03d}" if done else None,
                done_at=datetime(2001, 1, 1, tzinfo=UTC) + timedelta(hours=n) if done else None,
            )
        )
    db.session.commit()


def test_the_follow_up_lists_page_beyond_fifty(app, firm):
    with app.app_context(), tenant_context(SLUG):
        company_id = new_company("Visited Co")
        followups_of(company_id, "Planned visit", 51)
        followups_of(new_company("Visited Before Co"), "Past visit", 51, done=True)
    admin = signed_in(app, firm, "admin")
    first, second = first_and_second_page(admin, "/desk/feedback/followups/")
    assert "Planned visit 000" in first and "Planned visit 050" not in first
    assert "Planned visit 050" in second and "Planned visit 000" not in second
    first, second = first_and_second_page(admin, "/desk/feedback/followups/", param="done_page")
    assert "Past visit 050" in first and "Past visit 000" not in first
    assert "Past visit 000" in second and "Past visit 050" not in second
    assert "Planned visit 000" in second  # the other list stays on its first page
    first, second = first_and_second_page(admin, f"/desk/feedback/followups/company/{company_id}")
    assert "Planned visit 050" in first and "Planned visit 000" not in first
    assert "Planned visit 000" in second and "Planned visit 050" not in second
