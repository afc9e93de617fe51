"""Money figures for reports: staff and client metrics, dashboard cards, receivables ageing."""

from collections import defaultdict
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, case, cast, func, literal, select

from tenants import current_tenant, db
from yk_saas.billing.models import ClientCredit, Invoice, Payment
from yk_saas.clients.models import ClientCompany
from yk_saas.csv_export import csv_bytes
from yk_saas.dashboards.periods import last_months, parse_period
from yk_saas.reports.registry import DashboardCard, Metric

BUCKETS = (
    ("current", _l("Current")),
    ("d1_30", _l("1–30 days")),
    ("d31_60", _l("31–60 days")),
    ("d61_90", _l("61–90 days")),
    ("d90_plus", _l("Over 90 days")),
)

REVENUE = Metric("billing_revenue", _l("Revenue (paid)"), "money", 50)
RECEIVABLES = Metric("billing_receivables", _l("Receivables"), "money", 51)
OUTSTANDING = Metric("billing_outstanding", _l("Outstanding"), "money", 51)
LATE = Metric("billing_late_payments", _l("Late payments"), "count", 52)
OVERDUE = Metric("billing_overdue_invoices", _l("Overdue invoices"), "count", 53)
OVER_LIMIT = Metric("billing_over_credit_limit", _l("Over credit limit by"), "money", 54)

CARDS = (
    DashboardCard("billing_revenue", _l("Revenue by month"), "billing_admin.card_revenue", 20),
    DashboardCard(
        "billing_receivables", _l("Receivables and ageing"), "billing_admin.card_receivables", 21
    ),
)
STAFF = (REVENUE, RECEIVABLES)
CLIENT = (REVENUE, OUTSTANDING, LATE, OVERDUE, OVER_LIMIT)


def owed_expr():
    return Invoice.amount_cents - Invoice.credited_cents - Invoice.paid_cents


def paid_by_company(start: datetime, end: datetime) -> dict[int, int]:
    rows = db.session.execute(
        select(Payment.company_id, func.sum(Payment.amount_cents))
        .where(
            Payment.created_at >= start,
            Payment.created_at < end,
            Payment.currency == current_tenant().currency,
        )
        .group_by(Payment.company_id)
    ).all()
    return {company: int(total) for company, total in rows}


def owed_by_company() -> dict[int, int]:
    rows = db.session.execute(
        select(Invoice.company_id, func.sum(owed_expr()))
        .where(Invoice.status == "open", Invoice.currency == current_tenant().currency)
        .group_by(Invoice.company_id)
    ).all()
    return {company: int(total) for company, total in rows}


def staff_money(start: datetime, end: datetime) -> dict[int, dict[str, object]]:
    """Paid amounts and open receivables of each accountant's clients."""
    accountant_of = dict(
        db.session.execute(
            select(ClientCompany.id, ClientCompany.dedicated_accountant_id).where(
                ClientCompany.dedicated_accountant_id.is_not(None)
            )
        ).all()
    )
    figures: dict[int, dict[str, object]] = {}
    for key, values in (
        (REVENUE.key, paid_by_company(start, end)),
        (RECEIVABLES.key, owed_by_company()),
    ):
        for company, amount in values.items():
            if company in accountant_of:
                row = figures.setdefault(
                    accountant_of[company], {REVENUE.key: 0, RECEIVABLES.key: 0}
                )
                row[key] += amount
    return figures


def client_money(start: datetime, end: datetime) -> dict[int, dict[str, object]]:
    """Per client company: paid in the period, owed now, payments made after the due date,
    invoices overdue now and how far over its credit limit it is now."""
    late = dict(
        db.session.execute(
            select(Payment.company_id, func.count(Payment.id))
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .where(
                Payment.created_at >= start,
                Payment.created_at < end,
                Payment.received_on > Invoice.due_on,
            )
            .group_by(Payment.company_id)
        ).all()
    )
    paid, owed = paid_by_company(start, end), owed_by_company()
    overdue, over_limit = overdue_by_company(current_tenant().today()), over_credit_limit()
    return {
        company: {
            REVENUE.key: paid.get(company, 0),
            OUTSTANDING.key: owed.get(company, 0),
            LATE.key: int(late.get(company, 0)),
            OVERDUE.key: overdue.get(company, 0),
            OVER_LIMIT.key: over_limit.get(company),
        }
        for company in set(paid) | set(owed) | set(late) | set(overdue) | set(over_limit)
    }


def overdue_by_company(today: date) -> dict[int, int]:
    """Open invoices past their due date with something still owed, per company (today's state:
    an overdue invoice is a churn signal whatever period the report is about)."""
    rows = db.session.execute(
        select(Invoice.company_id, func.count(Invoice.id))
        .where(Invoice.status == "open", Invoice.due_on < today, owed_expr() > 0)
        .group_by(Invoice.company_id)
    ).all()
    return {company: int(n) for company, n in rows}


def over_credit_limit() -> dict[int, int]:
    """Minor units by which each company's open balance exceeds its credit limit (today's state),
    only for the companies over it; the balance counted in the limit's currency."""
    owed = func.coalesce(
        select(func.sum(owed_expr()))
        .where(
            Invoice.company_id == ClientCredit.company_id,
            Invoice.status == "open",
            Invoice.currency == ClientCredit.currency,
        )
        .correlate(ClientCredit)
        .scalar_subquery(),
        0,
    )
    rows = db.session.execute(
        select(ClientCredit.company_id, owed - ClientCredit.limit_cents).where(
            ClientCredit.limit_cents.is_not(None), owed > ClientCredit.limit_cents
        )
    ).all()
    return {company: int(excess) for company, excess in rows}


def revenue_by_month(months: int = 12, until: str | None = None) -> list[tuple[str, int]]:
    """(YYYY-MM, paid in the firm currency) for each of the ``months`` months up to ``until``
    (default: this month in the firm's time zone), oldest first; a month without payments is 0."""
    keys = [p.key for p in last_months(months, parse_period(until) if until else None)]
    first = date(int(keys[0][:4]), int(keys[0][5:]), 1)
    month = func.to_char(Payment.received_on, "YYYY-MM")
    paid = dict(
        db.session.execute(
            select(month, func.sum(Payment.amount_cents))
            .where(
                Payment.currency == current_tenant().currency,
                Payment.received_on >= first,
                month <= keys[-1],
            )
            .group_by(month)
        ).all()
    )
    return [(key, int(paid.get(key, 0))) for key in keys]


def ageing(today: date) -> list[dict]:
    """Open balances per client in ageing buckets, with the client's accountant."""
    age = cast(literal(today), Date) - Invoice.due_on
    bucket = case(
        (age <= 0, "current"),
        (age <= 30, "d1_30"),
        (age <= 60, "d31_60"),
        (age <= 90, "d61_90"),
        else_="d90_plus",
    )
    rows = db.session.execute(
        select(
            ClientCompany.id,
            ClientCompany.name,
            ClientCompany.dedicated_accountant_id,
            Invoice.currency,
            bucket,
            func.sum(owed_expr()),
        )
        .join(ClientCompany, ClientCompany.id == Invoice.company_id)
        .where(Invoice.status == "open")
        .group_by(
            ClientCompany.id,
            ClientCompany.name,
            ClientCompany.dedicated_accountant_id,
            Invoice.currency,
            bucket,
        )
    ).all()
    table: dict[tuple, dict] = {}
    for company_id, name, accountant_id, currency, key, amount in rows:
        row = table.setdefault(
            (company_id, currency),
            defaultdict(
                int,
                {
                    "company_id": company_id,
                    "company": name,
                    "accountant_id": accountant_id,
                    "currency": currency,
                },
            ),
        )
        row[key] += int(amount)
        row["total"] += int(amount)
    return sorted(table.values(), key=lambda r: (-r["total"], r["company"]))


def ageing_by_accountant(rows: list[dict]) -> dict[int | None, dict]:
    """The per-client ageing rows summed per dedicated accountant (and currency)."""
    totals: dict = {}
    for row in rows:
        key = (row["accountant_id"], row["currency"])
        total = totals.setdefault(
            key,
            defaultdict(int, {"accountant_id": row["accountant_id"], "currency": row["currency"]}),
        )
        for bucket, _label in BUCKETS:
            total[bucket] += row[bucket]
        total["total"] += row["total"]
    return totals


def ageing_csv(rows: list[dict], accountant_names: dict[int, str]) -> bytes:
    """The ageing table as CSV (amounts as plain decimals, currency in its own column)."""
    from yk_saas.money import to_decimal

    header = ["client", "accountant", "currency", *[k for k, _l in BUCKETS], "total"]
    return csv_bytes(
        [
            header,
            *(
                [
                    row["company"],
                    accountant_names.get(row["accountant_id"], ""),
                    row["currency"],
                    *[to_decimal(row[k], row["currency"]) for k, _l in BUCKETS],
                    to_decimal(row["total"], row["currency"]),
                ]
                for row in rows
            ),
        ]
    )
