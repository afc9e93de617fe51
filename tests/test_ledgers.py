"""Ledgers: the accountant uploads and enters figures; the client sees its own books only."""

import io
import re

from sqlalchemy import select

from tenants import db, tenant_context
from yk_saas.clients.models import ClientCompany
from yk_saas.ledgers.models import LedgerPeriod

PDF = b"%PDF-1.4\n%books\n"


def company_for(app, name, accountant_id=None, slug="alpha"):
    with app.app_context(), tenant_context(slug):
        company = ClientCompany(name=name, dedicated_accountant_id=accountant_id)
        db.session.add(company)
        db.session.commit()
        return company.id


def open_month(client, company_id, period):
    response = client.post(f"/desk/ledgers/company/{company_id}", {"period": period})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_accountant_enters_books_and_the_client_sees_figures_chart_filings_and_file(
    app, fresh_firm, signed_in_en
):
    firm, ids = fresh_firm, fresh_firm["ids"]
    with app.app_context(), tenant_context(firm["slug"]):
        db.session.get(ClientCompany, ids["company_x"]).dedicated_accountant_id = ids["accountant"]
        db.session.commit()
    acc = signed_in_en(firm, "accountant")
    period_id = open_month(acc, ids["company_x"], "2025-03")
    assert (
        acc.post(
            f"/desk/ledgers/{period_id}/figures",
            {
                "revenue": "120,000.50",
                "costs": "80000",
                "profit": "-1,500.25",
                "vat": "3600",
                "income_tax": "0",
                "cash_balance": "56000",
            },
        ).status_code
        == 302
    )
    acc.post(
        f"/desk/ledgers/{period_id}/filings", {"tax": "vat", "status": "paid", "on": "2025-04-12"}
    )
    upload = acc.post(
        f"/desk/ledgers/{period_id}/files",
        {"file": (io.BytesIO(PDF), "books-2025-03.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    with app.app_context(), tenant_context(firm["slug"]):
        period = db.session.get(LedgerPeriod, period_id)
        assert (period.revenue, period.profit, period.delivered_at is not None) == (
            12000050,
            -150025,
            True,
        )

    client = signed_in_en(firm, "client_x")
    index = client.get("/portal/ledgers/").get_data(as_text=True)
    assert (
        "2025-03" in index
        and "<svg" in index
        and '<rect class="bar"' in index
        and "<polyline" in index
    )
    page = client.get(f"/portal/ledgers/{period_id}").get_data(as_text=True)
    assert "CN¥120,000.50" in page and "-CN¥1,500.25" in page and "Paid" in page
    key = re.search(r"/portal/ledgers/files/([\w-]+)", page).group(1)
    download = client.get(f"/portal/ledgers/files/{key}")
    assert download.status_code == 200 and download.data == PDF

    # Client Y and the other accountant see none of it.
    other = signed_in_en(firm, "client_y")
    assert other.get(f"/portal/ledgers/{period_id}").status_code == 404
    assert other.get(f"/portal/ledgers/files/{key}").status_code == 404
    acc2 = signed_in_en(firm, "accountant2")
    assert acc2.get(f"/desk/ledgers/{period_id}").status_code == 404
    assert acc2.get(f"/desk/ledgers/files/{key}").status_code == 404
    assert acc2.post(f"/desk/ledgers/{period_id}/figures", {"revenue": "1"}).status_code == 404
    assert signed_in_en(firm, "admin").get(f"/desk/ledgers/files/{key}").status_code == 200
    # The key is long and random: a neighbour's key is not guessable from one's own,
    # and the file's row number does not open it.
    with app.app_context(), tenant_context(firm["slug"]):
        from yk_saas.files.models import StoredFile

        file_id = db.session.scalar(select(StoredFile.id).where(StoredFile.key == key))
    assert file_id and len(key) >= 30
    assert client.get(f"/portal/ledgers/files/{file_id}").status_code == 404


def test_board_lists_clients_still_lacking_this_months_books(app, firm_a, signed_in_en):
    accountant2 = firm_a["ids"]["accountant2"]
    done = company_for(app, "Board Done Co", accountant_id=accountant2)
    company_for(app, "Board Missing Co", accountant_id=accountant2)
    acc2 = signed_in_en(firm_a, "accountant2")
    period_id = open_month(acc2, done, "2025-06")
    acc2.post(
        f"/desk/ledgers/{period_id}/files",
        {"file": (io.BytesIO(PDF), "b.pdf")},
        content_type="multipart/form-data",
    )
    board = acc2.get("/desk/ledgers/?period=2025-06").get_data(as_text=True)
    section = board[board.index('id="missing-books"') :]
    assert "Board Missing Co" in section and "Board Done Co" not in section
    assert "ALPHASECRET Company Y" not in board  # not this accountant's client


def test_bad_amounts_and_files_are_refused(app, firm_a, signed_in_en):
    company_id = company_for(app, "Ledger Refusals Co")
    admin = signed_in_en(firm_a, "admin")
    period_id = open_month(admin, company_id, "2025-01")
    bad = admin.post(f"/desk/ledgers/{period_id}/figures", {"revenue": "12.345"})
    assert bad.status_code == 422 and "is not an amount" in bad.get_data(as_text=True)
    exe = admin.post(
        f"/desk/ledgers/{period_id}/files",
        {"file": (io.BytesIO(b"MZ\x90"), "x.exe")},
        content_type="multipart/form-data",
    )
    assert exe.status_code == 422
    assert (
        admin.post(f"/desk/ledgers/company/{company_id}", {"period": "2025-13"}).status_code == 422
    )


def test_ledger_reminder_is_sent_once_per_accountant_and_month(app, firm_a):
    from yk_saas.ledgers.jobs import remind_missing_books
    from yk_saas.notifications.models import Notification

    accountant2 = firm_a["ids"]["accountant2"]
    company_for(app, "Reminder Missing Co", accountant_id=accountant2)
    with app.test_request_context(base_url="http://alpha.yk.test"), tenant_context("alpha"):
        remind_missing_books("2024-02")
        remind_missing_books("2024-02")
        notes = db.session.scalars(
            select(Notification).where(
                Notification.event == "ledger_missing",
                Notification.link == "/desk/ledgers/?period=2024-02",
                Notification.user_id == accountant2,
            )
        ).all()
    assert len(notes) == 1
