"""Money tables of a firm: contracts, invoices, payments, dunning, refunds, subscription.

Every amount is an integer number of minor units (fen, cents) stored beside
its currency code.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantModel, current_tenant
from tenants.db import tenant_args
from yk_saas.clients.models import ClientCompany
from yk_saas.models_base import created_at_column, timestamp_column

COMPANY_FK = "tenant.client_companies.id"
USER_FK = "tenant.users.id"


class Contract(TenantModel):
    """A client's service contract: a recurring fee billed on a day of each period."""

    __tablename__ = "billing_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="RESTRICT"), index=True
    )
    plan: Mapped[str] = mapped_column(String(120))
    #: monthly, quarterly, yearly
    interval: Mapped[str] = mapped_column(String(16))
    fee_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: Periods starting before this are never billed (a contract entered long after it began).
    bill_from: Mapped[date | None] = mapped_column(Date)
    billing_day: Mapped[int] = mapped_column(Integer, default=1)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=15)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at_column()

    company: Mapped[ClientCompany] = relationship()


class NumberCounter(TenantModel):
    """The last number used per series and year; locked while a number is taken."""

    __tablename__ = "billing_number_counters"
    __table_args__ = tenant_args(UniqueConstraint("series", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(TenantModel):
    """A bill to a client company: from a contract period, an order, or by hand."""

    __tablename__ = "billing_invoices"
    __table_args__ = tenant_args(UniqueConstraint("source", "source_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="RESTRICT"), index=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.billing_contracts.id", ondelete="SET NULL")
    )
    #: contract (source_key = "<contract id>:<period start>"), order (item id), manual, late_fee
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    #: open, paid, void
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    paid_at: Mapped[datetime | None] = timestamp_column()
    last_manual_reminder_at: Mapped[datetime | None] = timestamp_column()
    created_at: Mapped[datetime] = created_at_column()

    company: Mapped[ClientCompany] = relationship()

    @property
    def balance_cents(self) -> int:
        """What the client still owes on this invoice."""
        return max(self.amount_cents - self.credited_cents - self.paid_cents, 0)

    @property
    def is_overdue(self) -> bool:
        """Open and past its due date in the firm's time zone."""
        return self.status == "open" and self.due_on < current_tenant().today()


class CreditNote(TenantModel):
    """A correction that lowers what an invoice asks for; numbered in its own series."""

    __tablename__ = "billing_credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class Payment(TenantModel):
    """Money received against an invoice, offline or through a provider."""

    __tablename__ = "billing_payments"
    __table_args__ = tenant_args(UniqueConstraint("provider", "provider_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="RESTRICT"), index=True
    )
    #: offline or stripe
    provider: Mapped[str] = mapped_column(String(16))
    #: bank_transfer, cash, other, card (online)
    method: Mapped[str] = mapped_column(String(16))
    #: What the payer or bank quoted (shown on the receipt).
    reference: Mapped[str] = mapped_column(String(120))
    #: The provider's own id of the payment (a Stripe PaymentIntent): recorded once.
    provider_key: Mapped[str] = mapped_column(String(120))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    receipt_number: Mapped[str] = mapped_column(String(32), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()


class ClientCredit(TenantModel):
    """A client company's credit limit and whether it is over it right now."""

    __tablename__ = "billing_client_credit"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="CASCADE"), unique=True
    )
    limit_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: Set when the balance crossed the limit and staff were warned; cleared when back under.
    over_limit_since: Mapped[datetime | None] = timestamp_column()


class BillingSettings(TenantModel):
    """The firm's money settings (one row)."""

    __tablename__ = "billing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_prefix: Mapped[str] = mapped_column(String(8), default="INV")
    #: none, fixed, percent
    late_fee_kind: Mapped[str] = mapped_column(String(8), default="none")
    #: minor units for "fixed", basis points (1/100 of a percent) for "percent"
    late_fee_value: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Orders above this amount wait for an admin's approval; None = never.
    reminder_cooldown_hours: Mapped[int] = mapped_column(Integer, default=24)
    #: Local hours in which no reminder is sent, [start, end) wrapping midnight.
    quiet_start_hour: Mapped[int] = mapped_column(Integer, default=21)
    quiet_end_hour: Mapped[int] = mapped_column(Integer, default=9)
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The firm's Stripe Connect account (acct_…); online payment needs it and platform keys.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    #: Most invoices one billing run creates per contract; a new contract with more past
    #: periods bills only the latest this many, after the manager confirms.
    backfill_periods: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    #: Where clients send a bank transfer (shown on invoices); all empty = not given yet.
    bank_account_name: Mapped[str | None] = mapped_column(String(120))
    bank_name: Mapped[str | None] = mapped_column(String(120))
    bank_branch: Mapped[str | None] = mapped_column(String(120))
    #: Digits only (grouped by four when shown).
    bank_account_number: Mapped[str | None] = mapped_column(String(32))


class ReminderTemplate(TenantModel):
    """A reminder's wording in one language, with {client}, {amount}, {due_date}, {number}, {pay_link}."""

    __tablename__ = "billing_reminder_templates"
    __table_args__ = tenant_args(UniqueConstraint("locale"))

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


class ReminderSent(TenantModel):
    """One dunning step sent for one invoice: the unique key makes each step happen once."""

    __tablename__ = "billing_reminders_sent"
    __table_args__ = tenant_args(UniqueConstraint("invoice_id", "step_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="CASCADE"), index=True
    )
    step_key: Mapped[str] = mapped_column(String(32))
    channels: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = created_at_column()


class RefundRequest(TenantModel):
    """A client's request for money back on an invoice, walked step by step."""

    __tablename__ = "billing_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    #: requested, info_needed, proposed, disputed, agreed, executed, closed
    state: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    proposed_cents: Mapped[int | None] = mapped_column(BigInteger)
    agreed_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: The payout's reference: the provider's refund id, or the bank's for a transfer.
    provider_reference: Mapped[str | None] = mapped_column(String(120))
    #: How the money went back (``online`` through the provider, else a payment method)
    #: and on which day; both set when the refund is executed.
    payout_method: Mapped[str | None] = mapped_column(String(16))
    paid_out_on: Mapped[date | None] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    invoice: Mapped[Invoice] = relationship()
    steps: Mapped[list["RefundStep"]] = relationship(order_by="RefundStep.id")


class RefundStep(TenantModel):
    """One timestamped step of a refund, seen by both sides."""

    __tablename__ = "billing_refund_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_refunds.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    file_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.stored_files.id", ondelete="SET NULL")
    )
    actor_id: Mapped[int | None] = mapped_column(Integer, ForeignKey(USER_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class ProviderEvent(TenantModel):
    """A webhook event already applied: its id is recorded once, so replays change nothing."""

    __tablename__ = "billing_provider_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), unique=True)
    event_type: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = created_at_column()


class PlatformSubscription(TenantModel):
    """The firm's own subscription to the platform (one row)."""

    __tablename__ = "billing_platform_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(32), default="trial")
    #: trialing, active, past_due, cancelled
    status: Mapped[str] = mapped_column(String(16), default="trialing")
    trial_ends_at: Mapped[datetime | None] = timestamp_column()
    stripe_customer_id: Mapped[str | None] = mapped_column(String(120))
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(120))
    #: ``created`` of the last Stripe event applied: older events arriving late are ignored.
    last_event_created: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = created_at_column()


class ProviderCheckout(TenantModel):
    """A payment page opened at a provider for an invoice, recorded when it was created.

    A notification about it pays the invoice only if it comes from the same
    account and for the same amount and currency (``billing/bindings.py``).
    """

    __tablename__ = "billing_provider_checkouts"
    __table_args__ = tenant_args(UniqueConstraint("provider", "session_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    #: The firm's account the page was opened on (a Stripe connected account).
    account_id: Mapped[str] = mapped_column(String(120))
    #: The provider's id of the page or order (a Stripe Checkout Session).
    session_id: Mapped[str] = mapped_column(String(120))
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = created_at_column()


class MerchantSettings(TenantModel):
    """The firm's own merchant account at one online payment provider (WeChat Pay, Alipay…).

    Identifiers that are not secret are kept as they are; the keys are one blob
    encrypted with ``MERCHANT_SECRETS_KEY`` (``billing/merchant.py``) and never
    leave the server in an owner's export.
    """

    __tablename__ = "billing_merchant_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16), unique=True)
    #: Non-secret identifiers (mch_id, app_id …) by name.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A Fernet token of the JSON of the secrets by name; None when none was ever stored.
    secret_blob: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = created_at_column()
    updated_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )


class FapiaoProfile(TenantModel):
    """What a client company last put on a fapiao request, offered again next time."""

    __tablename__ = "billing_fapiao_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    taxpayer_id: Mapped[str] = mapped_column(String(18))
    #: ordinary (普票) or special (专票)
    kind: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(254))


class Fapiao(TenantModel):
    """A client's request for a fapiao on a paid invoice, and the fapiao issued for it.

    The amount is fixed when it is requested (at most what was paid and not refunded).
    A refund or a void afterwards records its red-letter reversal (红冲).
    """

    __tablename__ = "billing_fapiao"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tenant.billing_invoices.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[int] = mapped_column(
        Integer, ForeignKey(COMPANY_FK, ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    taxpayer_id: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(254))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: requested, issued, reversed (红冲), cancelled (reversed before it was issued)
    state: Mapped[str] = mapped_column(String(16), default="requested", index=True)
    #: The number the tax system gave the fapiao.
    fapiao_number: Mapped[str | None] = mapped_column(String(40))
    file_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tenant.stored_files.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime | None] = timestamp_column()
    issued_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )
    #: Why and when it was reversed (a refund or the invoice voided).
    reversal_reason: Mapped[str | None] = mapped_column(String(300))
    reversed_at: Mapped[datetime | None] = timestamp_column()
    requested_by_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey(USER_FK, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()

    invoice: Mapped[Invoice] = relationship()
