"""Receivables ageing, report figures, dashboard cards and invoice PDFs."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tenants import db, tenant_context
from tests.support.billing import new_company, new_invoice, new_paid_invoice
from yk_saas.accounts.models import User
from yk_saas.billing import reports, services
from yk_saas.reports.registry import (
    CLIENT_PROVIDERS,
    DASHBOARD_CARDS,
    STAFF_PROVIDERS,
    collect,
)


@pytest.fixture
def alpha(app, firm_a):
    with app.app_context(), tenant_context("alpha"):
        yield firm_a


def test_ageing_puts_each_balance_in_its_bucket(alpha):
    company_id = new_company(accountant_id=alpha["ids"]["accountant2"])
    today = date(2035, 6, 30)
    for days_late, amount in ((-5, 100), (10, 200), (45, 300), (75, 400), (200, 500)):
        new_invoice(
            company_id, amount, due=today - timedelta(days=days_late), issued=date(2035, 1, 1)
        )
    row = next(r for r in reports.ageing(today) if r["company_id"] == company_id)
    assert (row["current"], row["d1_30"], row["d31_60"], row["d61_90"], row["d90_plus"]) == (
        100,
        200,
        300,
        400,
        500,
    )
    assert row["total"] == 1500 and row["currency"] == "CNY"
    per_accountant = reports.ageing_by_accountant([row])
    assert per_accountant[(alpha["ids"]["accountant2"], "CNY")]["total"] == 1500


def test_staff_and_client_figures_come_from_paid_and_open_invoices(alpha):
    company_id = new_company(accountant_id=alpha["ids"]["accountant"])
    paid = new_invoice(company_id, 7000, due=date(2026, 1, 1), issued=date(2025, 12, 1))
    new_invoice(company_id, 3000, due=date(2026, 1, 1), issued=date(2025, 12, 1))
    services.record_offline_payment(
        paid, 7000, "cash", "", date(2026, 1, 5), db.session.get(User, alpha["ids"]["admin"])
    )
    db.session.commit()
    start = datetime.now(UTC) - timedelta(hours=1)
    end = datetime.now(UTC) + timedelta(hours=1)
    clients = collect(CLIENT_PROVIDERS, start, end)
    money = {k: v for k, v in clients[company_id].items() if k.startswith("billing_")}
    # The open invoice was due 2026-01-01: overdue; the company has no credit limit.
    assert money == {
        "billing_revenue": 7000,
        "billing_outstanding": 3000,
        "billing_late_payments": 1,
        "billing_overdue_invoices": 1,
        "billing_over_credit_limit": None,
    }
    staff = collect(STAFF_PROVIDERS, start, end)
    assert staff[3]["billing_revenue"] >= 7000 and staff[3]["billing_receivables"] >= 3000


def test_receivables_page_csv_and_cards_are_for_managers(app, firm_a, signed_in):
    admin = signed_in(firm_a, "admin")
    assert admin.get("/desk/admin/billing/receivables").status_code == 200
    csv_response = admin.get("/desk/admin/billing/receivables.csv")
    assert csv_response.mimetype == "text/csv"
    assert csv_response.get_data(as_text=True).startswith(
        "\ufeffclient,accountant,currency,current"
    )
    for key in ("billing_revenue", "billing_receivables"):
        from flask import url_for

        with app.test_request_context():
            path = url_for(DASHBOARD_CARDS[key].endpoint)
        fragment = admin.get(path, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert fragment.lstrip().startswith("<section") and "<html" not in fragment
        assert signed_in(firm_a, "accountant").get(path).status_code == 403
    assert (
        signed_in(firm_a, "accountant").get("/desk/admin/billing/receivables.csv").status_code
        == 403
    )


def embedded_fonts(pdf: bytes) -> str:
    """Names of the fonts embedded in a PDF (its object streams are compressed)."""
    import re
    import zlib

    names = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            names += re.findall(rb"/BaseFont\s*/([^\s/]+)", zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return " ".join(n.decode() for n in names)


def test_invoice_pdf_is_a_pdf_with_the_chinese_font_embedded(app, firm_a, signed_in):
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(firm_a["ids"]["company_x"], 99900)
    client = signed_in(firm_a, "client_x")
    response = client.get(f"/portal/billing/invoices/{invoice_id}/pdf")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith(b"%PDF-")
    assert any(name in embedded_fonts(body) for name in ("WenQuanYi", "Noto"))
    again = client.get(f"/portal/billing/invoices/{invoice_id}/pdf").get_data()
    assert again == body  # served from the cache, not rendered anew


def test_the_money_migration_creates_what_the_models_declare(app, firm_a):
    """A firm at the baseline gets exactly the money tables of the models from t_billing,
    t_backfill, t_refund_payout and t_bank_merchant_fapiao."""
    from sqlalchemy import text

    from tenants.db import tenant_tables
    from tenants.migrate import migrate_tenants
    from tenants.provision import provision_tenant

    def shape(schema):
        # billing_provider_checkouts comes with t_provider_checkouts (tests/test_webhook_binding.py).
        return set(
            db.session.execute(
                text(
                    "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = :s AND table_name LIKE 'billing%' "
                    "AND table_name <> 'billing_provider_checkouts'"
                ),
                {"s": schema},
            ).all()
        )

    with app.app_context():
        provision_tenant("migmoney", "Mig Money", host="migmoney.yk.test")
        expected = shape("t_migmoney")
        for table in reversed([t for t in tenant_tables() if t.name.startswith("billing_")]):
            db.session.execute(text(f'DROP TABLE "t_migmoney"."{table.name}"'))
        db.session.execute(text("UPDATE \"t_migmoney\".alembic_version SET version_num = 't0001'"))
        db.session.execute(
            text("UPDATE public.tenants SET schema_version = 't0001' WHERE slug = 'migmoney'")
        )
        db.session.commit()
        report = migrate_tenants(slugs=["migmoney"], workers=1, target="t_billing")
        assert report.ok and report.migrated == ["migmoney"]
        # The other features' tables are still there: skip to the next money revision.
        for statement in (
            "UPDATE \"t_migmoney\".alembic_version SET version_num = 't_site'",
            "UPDATE public.tenants SET schema_version = 't_site' WHERE slug = 'migmoney'",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        report = migrate_tenants(slugs=["migmoney"], workers=1, target="t_bank_merchant_fapiao")
        assert report.ok and report.migrated == ["migmoney"]
        assert shape("t_migmoney") == expected and len(expected) > 60


def test_receipts_download_as_pdf_only_for_the_payers_company(app, firm_a, signed_in):
    from sqlalchemy import select

    from yk_saas.billing.models import Payment

    payment_ids = []
    with app.app_context(), tenant_context("alpha"):
        for company in ("company_x", "company_y"):
            invoice_id = new_paid_invoice(
                firm_a["ids"][company], 4200, firm_a["ids"]["admin"], method="cash"
            )
            payment_ids.append(
                db.session.scalar(select(Payment.id).where(Payment.invoice_id == invoice_id))
            )
    own_id, other_id = payment_ids
    client = signed_in(firm_a, "client_x")
    own = client.get(f"/portal/billing/payments/{own_id}/receipt")
    assert own.status_code == 200 and own.get_data().startswith(b"%PDF-")
    assert client.get(f"/portal/billing/payments/{other_id}/receipt").status_code == 404
    assert (
        signed_in(firm_a, "admin").get(f"/desk/billing/payments/{other_id}/receipt").status_code
        == 200
    )
