"""Ledgers (L1–L3): each client's books per month, key figures and tax filings."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantModel
from tenants.db import tenant_args
from yk_saas.models_base import created_at_column, timestamp_column

#: Key figures, all integer minor units of the period's currency; profit may be negative.
FIGURES = ("revenue", "costs", "profit", "vat", "income_tax", "cash_balance")
TAXES = ("vat", "income_tax", "individual_tax", "surcharges", "stamp_duty")
FILING_STATES = ("not_filed", "filed", "paid")


class LedgerPeriod(TenantModel):
    """One client's books for one month ("YYYY-MM")."""

    __tablename__ = "ledger_periods"
    __table_args__ = tenant_args(
        UniqueConstraint("company_id", "period", name="uq_ledger_periods_company_period")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.client_companies.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    revenue: Mapped[int | None] = mapped_column(BigInteger)
    costs: Mapped[int | None] = mapped_column(BigInteger)
    profit: Mapped[int | None] = mapped_column(BigInteger)
    vat: Mapped[int | None] = mapped_column(BigInteger)
    income_tax: Mapped[int | None] = mapped_column(BigInteger)
    cash_balance: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    #: When the first file of the books was uploaded: the books count as delivered.
    delivered_at: Mapped[datetime | None] = timestamp_column()
    updated_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()


class TaxFiling(TenantModel):
    """The filing status of one tax for one period: not filed, filed, paid (with dates)."""

    __tablename__ = "tax_filings"
    __table_args__ = tenant_args(
        UniqueConstraint("period_id", "tax", name="uq_tax_filings_period_tax")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.ledger_periods.id", ondelete="CASCADE"), index=True
    )
    tax: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="not_filed")
    filed_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
