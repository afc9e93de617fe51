"""Dashboard figures checked against values worked out by hand, and the sortable report tables.

- a client over its credit limit with an overdue invoice scores 3 + 2 = 5 (high);
- the time since a client's last order is minutes for an order minutes ago, not a month;
- revenue per month sums each month's payments, with 0 for a month without any;
- the client value and performance tables sort on the server, by a link or an HTMX swap.
"""

import re
from datetime import date, datetime, timedelta

from flask import url_for

from tenants import current_tenant, db
from tests.support import work as work_factories
from tests.support.billing import new_invoice
from yk_saas.accounts.models import User
from yk_saas.models_base import utcnow


def admin_of(firm):
    return db.session.get(User, firm["ids"]["admin"])


def test_a_client_over_its_limit_with_an_overdue_invoice_is_at_high_risk(app, fresh_firm):
    from yk_saas.billing.credit import set_credit_limit
    from yk_saas.dashboards.cards import client_value, risk_level, risk_score
    from yk_saas.dashboards.periods import parse_period

    ids = fresh_firm["ids"]
    with work_factories.firm(app, fresh_firm["slug"]):
        # X owes 5,000.00 on an invoice due 2026-01-01 against a limit of 1,000.00.
        new_invoice(ids["company_x"], 500000, due=date(2026, 1, 1), issued=date(2025, 12, 1))
        set_credit_limit(ids["company_x"], 100000, "CNY")
        # Y owes 5,000.00 too, under its limit of 10,000.00, and nothing is overdue yet.
        new_invoice(ids["company_y"], 500000, due=date(2099, 1, 1), issued=date(2026, 11, 1))
        set_credit_limit(ids["company_y"], 1000000, "CNY")
        db.session.flush()
        _metrics, rows = client_value(parse_period(None), limit=None)
        by_id = {row.company.id: row for row in rows}
        x, y = by_id[ids["company_x"]], by_id[ids["company_y"]]
        assert x.values["billing_overdue_invoices"] == 1
        assert x.values["billing_over_credit_limit"] == 400000
        assert x.signals == ["billing_over_credit_limit", "billing_overdue_invoices"]
        assert x.risk == 3 + 2 and x.level == "high"
        assert y.values["billing_overdue_invoices"] == 0
        assert y.values["billing_over_credit_limit"] is None
        assert y.risk == 0 and y.level == "low"
        assert rows[0].company.id == ids["company_x"], "riskiest first"
    # Either signal alone: over the limit 3 (medium), one overdue invoice 2 (medium).
    assert risk_score({"billing_over_credit_limit": 1}) == 3 and risk_level(3) == "medium"
    assert risk_score({"billing_overdue_invoices": 1, "billing_over_credit_limit": None}) == 2
    assert risk_score({"billing_overdue_invoices": 0, "billing_over_credit_limit": None}) == 0


def test_the_dashboard_card_and_page_show_the_risk_and_why(app, fresh_firm, signed_in_en):
    from yk_saas.billing.credit import set_credit_limit

    ids = fresh_firm["ids"]
    with work_factories.firm(app, fresh_firm["slug"]):
        new_invoice(ids["company_x"], 500000, due=date(2026, 1, 1), issued=date(2025, 12, 1))
        set_credit_limit(ids["company_x"], 100000, "CNY")
    admin = signed_in_en(fresh_firm, "admin")
    card = admin.get("/desk/admin/dashboards/cards/client-risk").get_data(as_text=True)
    first_row = card.split("<tbody>")[1].split("</tr>")[0]
    assert "Company X" in first_row and 'class="risk-high">5<' in first_row
    assert "Over credit limit by, Overdue invoices" in first_row
    page = admin.get("/desk/admin/dashboards/clients").get_data(as_text=True)
    assert re.search(r'<td data-metric="billing_over_credit_limit">[^<\d]*4,000\.00</td>', page)
    assert '<td class="risk-high" data-metric="risk">5</td>' in page


def test_time_since_the_last_order_is_minutes_for_an_order_minutes_ago(
    app, fresh_firm, signed_in_en
):
    from yk_saas.dashboards.periods import parse_period
    from yk_saas.work.reports import client_work_figures

    ids = fresh_firm["ids"]
    now = utcnow().replace(microsecond=0)
    with work_factories.firm(app, fresh_firm["slug"]):
        work_factories.new_request(fresh_firm["client_x"], now=now - timedelta(minutes=5))
        # Y's only order was 40 days ago, before this month began (for most of the month).
        work_factories.new_request(fresh_firm["client_y"], now=now - timedelta(days=40))
        month = parse_period(None)
        figures = client_work_figures(month.start, month.end, now=now)
        assert figures[ids["company_x"]] == {"work_items": 1, "work_since_last_activity": 300}
        assert figures[ids["company_y"]]["work_since_last_activity"] == 40 * 86400
        # A period that ended before X's order knows nothing of it.
        end = datetime(now.year, 1, 1, tzinfo=current_tenant().zone)
        early = client_work_figures(end - timedelta(days=365), end, now=now)
        assert ids["company_x"] not in early
    page = (
        signed_in_en(fresh_firm, "admin")
        .get("/desk/admin/dashboards/clients")
        .get_data(as_text=True)
    )
    row = next(r for r in page.split("<tr>") if "Company X" in r)
    shown = re.search(r'data-metric="work_since_last_activity">([^<]*)<', row).group(1)
    assert re.fullmatch(r"\d+ min", shown), shown


def test_revenue_per_month_sums_each_months_payments(app, fresh_firm):
    from yk_saas.billing import services
    from yk_saas.billing.reports import revenue_by_month

    ids = fresh_firm["ids"]
    payments = [
        (date(2025, 6, 30), 999),  # the month before the window
        (date(2025, 7, 1), 100),  # the window's first day
        (date(2026, 3, 15), 50000),
        (date(2026, 6, 3), 12000),
        (date(2026, 6, 30), 3050),
        (date(2026, 7, 1), 777),  # the month after the window
    ]
    with work_factories.firm(app, fresh_firm["slug"]):
        for received_on, amount in payments:
            invoice = new_invoice(
                ids["company_x"], amount, due=date(2025, 1, 31), issued=date(2025, 1, 1)
            )
            services.record_offline_payment(
                invoice, amount, "cash", "", received_on, admin_of(fresh_firm)
            )
        months = revenue_by_month(12, until="2026-06")
    expected = {"2025-07": 100, "2026-03": 50000, "2026-06": 12000 + 3050}
    assert [m for m, _ in months] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert dict(months) == {m: expected.get(m, 0) for m, _ in months}


def test_the_revenue_card_is_a_chart_of_twelve_months(app, fresh_firm, signed_in_en):
    from yk_saas.billing import services

    ids = fresh_firm["ids"]
    with work_factories.firm(app, fresh_firm["slug"]):
        today = current_tenant().today()
        invoice = new_invoice(
            ids["company_x"], 123400, due=date(2025, 1, 31), issued=date(2025, 1, 1)
        )
        services.record_offline_payment(invoice, 123400, "cash", "", today, admin_of(fresh_firm))
        this_month = today.strftime("%Y-%m")
    with app.test_request_context(base_url=f"http://{fresh_firm['host']}"):
        path = url_for("billing_admin.card_revenue")
    card = signed_in_en(fresh_firm, "admin").get(path).get_data(as_text=True)
    assert card.count('<rect class="bar"') == 12
    assert f"<title>{this_month}: 1,234</title>" in card
    assert re.search(r'id="revenue-total">[^<\d]*1,234\.00<', card)


def names_in_order(page: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: page.index(f">{name}<"))


def test_client_value_sorts_by_any_column_on_the_server(app, fresh_firm, signed_in_en):
    ids = fresh_firm["ids"]
    with work_factories.firm(app, fresh_firm["slug"]):
        new_invoice(ids["company_x"], 500000, due=date(2026, 1, 1), issued=date(2025, 12, 1))
    admin = signed_in_en(fresh_firm, "admin")
    x, y = f"{fresh_firm['marker']} Company X", f"{fresh_firm['marker']} Company Y"
    up = admin.get("/desk/admin/dashboards/clients?sort=name&dir=asc").get_data(as_text=True)
    down = admin.get("/desk/admin/dashboards/clients?sort=name&dir=desc").get_data(as_text=True)
    assert names_in_order(up, [x, y]) == [x, y] and names_in_order(down, [x, y]) == [y, x]
    assert 'aria-sort="descending"' in down
    # Rows without a figure come last whichever the direction.
    for direction in ("asc", "desc"):
        page = admin.get(
            f"/desk/admin/dashboards/clients?sort=billing_outstanding&dir={direction}"
        ).get_data(as_text=True)
        assert names_in_order(page, [x, y]) == [x, y]
    # The header links work without script and, with HTMX, swap the table alone.
    link = re.search(r'<a class="sort-link" href="([^"]+sort=name[^"]+)"', up).group(1)
    assert "dir=desc" in link and 'hx-push-url="true"' in up and 'hx-target="#client-value"' in up
    fragment = admin.get(link.replace("&amp;", "&"), headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert (
        fragment.status_code == 200 and "<html" not in text and 'id="client-segments"' not in text
    )
    assert text.lstrip().startswith("<section") and 'id="client-value"' in text
    assert names_in_order(text, [x, y]) == [y, x]
    # An unknown column falls back to riskiest first.
    assert admin.get("/desk/admin/dashboards/clients?sort=nonsense&dir=up").status_code == 200


def test_staff_performance_sorts_by_any_column_on_the_server(app, fresh_firm, signed_in_en):
    marker = fresh_firm["marker"]
    admin = signed_in_en(fresh_firm, "admin")
    names = [f"{marker} {n}" for n in ("Accountant", "Accountant Two", "Admin", "Owner")]
    up = admin.get("/desk/staff/performance").get_data(as_text=True)
    table = up.split('id="staff-performance"')[1].split("</section>")[0]
    assert names_in_order(table, names) == names
    down = admin.get("/desk/staff/performance?sort=name&dir=desc", headers={"HX-Request": "true"})
    text = down.get_data(as_text=True)
    assert "<html" not in text and names_in_order(text, names) == list(reversed(names))
