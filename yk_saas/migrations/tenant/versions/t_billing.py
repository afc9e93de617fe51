"""Money: contracts, invoices, payments, credit, dunning, refunds, provider events, subscription.

Revision ID: t_billing
Revises: t0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t_billing"
down_revision = "t0001"
branch_labels = None
depends_on = None


def upgrade(schema: str, **kw):
    """Create the money tables in ``schema``, exactly as the models declare them."""
    op.create_table(
        "billing_number_counters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.UniqueConstraint("series", "year", name="uq_billing_number_counters_series_year"),
        schema=schema,
    )
    op.create_table(
        "billing_platform_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trial_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_customer_id", sa.String(120), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(120), nullable=True),
        sa.Column("last_event_created", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    op.create_table(
        "billing_provider_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.String(120), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_billing_provider_events_event_id"),
        schema=schema,
    )
    op.create_table(
        "billing_reminder_templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("locale", name="uq_billing_reminder_templates_locale"),
        schema=schema,
    )
    op.create_table(
        "billing_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_prefix", sa.String(8), nullable=False),
        sa.Column("late_fee_kind", sa.String(8), nullable=False),
        sa.Column("late_fee_value", sa.BigInteger(), nullable=False),
        sa.Column("reminder_cooldown_hours", sa.Integer(), nullable=False),
        sa.Column("quiet_start_hour", sa.Integer(), nullable=False),
        sa.Column("quiet_end_hour", sa.Integer(), nullable=False),
        sa.Column("sms_enabled", sa.Boolean(), nullable=False),
        sa.Column("stripe_account_id", sa.String(64), nullable=True),
        schema=schema,
    )
    op.create_table(
        "billing_client_credit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.client_companies.id",
                ondelete="CASCADE",
                name="fk_billing_client_credit_company_id_client_companies",
            ),
            nullable=False,
        ),
        sa.Column("limit_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("over_limit_since", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("company_id", name="uq_billing_client_credit_company_id"),
        schema=schema,
    )
    op.create_table(
        "billing_contracts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.client_companies.id",
                ondelete="RESTRICT",
                name="fk_billing_contracts_company_id_client_companies",
            ),
            nullable=False,
        ),
        sa.Column("plan", sa.String(120), nullable=False),
        sa.Column("interval", sa.String(16), nullable=False),
        sa.Column("fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("billing_day", sa.Integer(), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    op.create_index(
        "ix_billing_contracts_company_id",
        "billing_contracts",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "billing_invoices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.client_companies.id",
                ondelete="RESTRICT",
                name="fk_billing_invoices_company_id_client_companies",
            ),
            nullable=False,
        ),
        sa.Column(
            "contract_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_contracts.id",
                ondelete="SET NULL",
                name="fk_billing_invoices_contract_id_billing_contracts",
            ),
            nullable=True,
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("credited_cents", sa.BigInteger(), nullable=False),
        sa.Column("refunded_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_manual_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("number", name="uq_billing_invoices_number"),
        sa.UniqueConstraint("source", "source_key", name="uq_billing_invoices_source_source_key"),
        schema=schema,
    )
    op.create_index(
        "ix_billing_invoices_due_on", "billing_invoices", ["due_on"], unique=False, schema=schema
    )
    op.create_index(
        "ix_billing_invoices_status", "billing_invoices", ["status"], unique=False, schema=schema
    )
    op.create_index(
        "ix_billing_invoices_company_id",
        "billing_invoices",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "billing_credit_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_invoices.id",
                ondelete="RESTRICT",
                name="fk_billing_credit_notes_invoice_id_billing_invoices",
            ),
            nullable=False,
        ),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column(
            "created_by_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.users.id",
                ondelete="SET NULL",
                name="fk_billing_credit_notes_created_by_id_users",
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("number", name="uq_billing_credit_notes_number"),
        schema=schema,
    )
    op.create_index(
        "ix_billing_credit_notes_invoice_id",
        "billing_credit_notes",
        ["invoice_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "billing_payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_invoices.id",
                ondelete="RESTRICT",
                name="fk_billing_payments_invoice_id_billing_invoices",
            ),
            nullable=False,
        ),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.client_companies.id",
                ondelete="RESTRICT",
                name="fk_billing_payments_company_id_client_companies",
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.Column("provider_key", sa.String(120), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("receipt_number", sa.String(32), nullable=False),
        sa.Column(
            "recorded_by_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.users.id",
                ondelete="SET NULL",
                name="fk_billing_payments_recorded_by_id_users",
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "provider", "provider_key", name="uq_billing_payments_provider_provider_key"
        ),
        sa.UniqueConstraint("receipt_number", name="uq_billing_payments_receipt_number"),
        schema=schema,
    )
    op.create_index(
        "ix_billing_payments_company_id",
        "billing_payments",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_billing_payments_invoice_id",
        "billing_payments",
        ["invoice_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "billing_refunds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_invoices.id",
                ondelete="RESTRICT",
                name="fk_billing_refunds_invoice_id_billing_invoices",
            ),
            nullable=False,
        ),
        sa.Column(
            "company_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.client_companies.id",
                ondelete="RESTRICT",
                name="fk_billing_refunds_company_id_client_companies",
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_cents", sa.BigInteger(), nullable=True),
        sa.Column("agreed_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("provider_reference", sa.String(120), nullable=True),
        sa.Column(
            "requested_by_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.users.id",
                ondelete="SET NULL",
                name="fk_billing_refunds_requested_by_id_users",
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    op.create_index(
        "ix_billing_refunds_invoice_id",
        "billing_refunds",
        ["invoice_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_billing_refunds_company_id",
        "billing_refunds",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_billing_refunds_state", "billing_refunds", ["state"], unique=False, schema=schema
    )
    op.create_table(
        "billing_reminders_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "invoice_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_invoices.id",
                ondelete="CASCADE",
                name="fk_billing_reminders_sent_invoice_id_billing_invoices",
            ),
            nullable=False,
        ),
        sa.Column("step_key", sa.String(32), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "invoice_id", "step_key", name="uq_billing_reminders_sent_invoice_id_step_key"
        ),
        schema=schema,
    )
    op.create_index(
        "ix_billing_reminders_sent_invoice_id",
        "billing_reminders_sent",
        ["invoice_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "billing_refund_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "refund_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.billing_refunds.id",
                ondelete="CASCADE",
                name="fk_billing_refund_steps_refund_id_billing_refunds",
            ),
            nullable=False,
        ),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column(
            "file_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.stored_files.id",
                ondelete="SET NULL",
                name="fk_billing_refund_steps_file_id_stored_files",
            ),
            nullable=True,
        ),
        sa.Column(
            "actor_id",
            sa.Integer(),
            sa.ForeignKey(
                f"{schema}.users.id",
                ondelete="SET NULL",
                name="fk_billing_refund_steps_actor_id_users",
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    op.create_index(
        "ix_billing_refund_steps_refund_id",
        "billing_refund_steps",
        ["refund_id"],
        unique=False,
        schema=schema,
    )
