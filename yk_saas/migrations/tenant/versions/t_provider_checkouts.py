"""Checkout Sessions recorded when created, and the firm's provider bindings in the registry.

A firm created before this revision has its connected Stripe account and its
platform customer and subscription bound to it in ``public`` (an account
already bound to another firm stays with that firm). Checkout Sessions opened
before it were never recorded, so their late notifications change nothing:
staff record such payments by hand.

Revision ID: t_provider_checkouts
Revises: t_site
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t_provider_checkouts"
down_revision = "t_site"
branch_labels = None
depends_on = None

FIRM = "(SELECT id FROM public.tenants WHERE schema_name = :schema)"


def upgrade(schema: str, **kw):
    op.create_table(
        "billing_provider_checkouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(120), nullable=False),
        sa.Column("session_id", sa.String(120), nullable=False),
        sa.Column("invoice_id", sa.Integer, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_billing_provider_checkouts"),
        sa.UniqueConstraint(
            "provider", "session_id", name="uq_billing_provider_checkouts_provider_session_id"
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            [f"{schema}.billing_invoices.id"],
            ondelete="RESTRICT",
            name="fk_billing_provider_checkouts_invoice_id_billing_invoices",
        ),
        schema=schema,
    )
    op.create_index(
        "ix_billing_provider_checkouts_invoice_id",
        "billing_provider_checkouts",
        ["invoice_id"],
        schema=schema,
    )
    bind_existing(schema)


def bind_existing(schema: str) -> None:
    """Bind what the firm already had: its connected account, platform customer and subscription."""
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO public.provider_accounts (provider, account_id, tenant_id, created_at) "
            f"SELECT 'stripe', stripe_account_id, {FIRM}, now() FROM \"{schema}\".billing_settings "
            "WHERE stripe_account_id IS NOT NULL ORDER BY id LIMIT 1 ON CONFLICT DO NOTHING"
        ),
        {"schema": schema},
    )
    for kind, column in (
        ("customer", "stripe_customer_id"),
        ("subscription", "stripe_subscription_id"),
    ):
        conn.execute(
            sa.text(
                "INSERT INTO public.platform_provider_objects "
                "(provider, kind, object_id, tenant_id, created_at) "
                f"SELECT 'stripe', '{kind}', {column}, {FIRM}, now() "
                f'FROM "{schema}".billing_platform_subscription WHERE {column} IS NOT NULL '
                "ON CONFLICT DO NOTHING"
            ),
            {"schema": schema},
        )
