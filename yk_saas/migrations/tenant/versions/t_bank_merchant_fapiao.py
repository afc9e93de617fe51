"""Bank details on invoices, per-provider merchant settings with encrypted secrets, and fapiao.

Revision ID: t_bank_merchant_fapiao
Revises: t_backfill
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t_bank_merchant_fapiao"
down_revision = "t_refund_payout"
branch_labels = None
depends_on = None


def fk(schema: str, table: str, column: str, target: str, ondelete: str):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{schema}.{target}.id"],
        ondelete=ondelete,
        name=f"fk_{table}_{column}_{target}",
    )


def upgrade(schema: str, **kw):
    for column, length in (
        ("bank_account_name", 120),
        ("bank_name", 120),
        ("bank_branch", 120),
        ("bank_account_number", 32),
    ):
        op.add_column(
            "billing_settings", sa.Column(column, sa.String(length), nullable=True), schema=schema
        )
    table = "billing_merchant_settings"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("secret_blob", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("provider", name=f"uq_{table}_provider"),
        fk(schema, table, "updated_by_id", "users", "SET NULL"),
        schema=schema,
    )
    table = "billing_fapiao_profiles"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("company_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("taxpayer_id", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("company_id", name=f"uq_{table}_company_id"),
        fk(schema, table, "company_id", "client_companies", "CASCADE"),
        schema=schema,
    )
    table = "billing_fapiao"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("invoice_id", sa.Integer, nullable=False),
        sa.Column("company_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("taxpayer_id", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fapiao_number", sa.String(40), nullable=True),
        sa.Column("file_id", sa.Integer, nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Integer, nullable=True),
        sa.Column("reversal_reason", sa.String(300), nullable=True),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        fk(schema, table, "invoice_id", "billing_invoices", "RESTRICT"),
        fk(schema, table, "company_id", "client_companies", "RESTRICT"),
        fk(schema, table, "file_id", "stored_files", "SET NULL"),
        fk(schema, table, "issued_by_id", "users", "SET NULL"),
        fk(schema, table, "requested_by_id", "users", "SET NULL"),
        schema=schema,
    )
    for column in ("invoice_id", "company_id", "state"):
        op.create_index(f"ix_{table}_{column}", table, [column], schema=schema)


def downgrade(schema: str, **kw):
    op.drop_table("billing_fapiao", schema=schema)
    op.drop_table("billing_fapiao_profiles", schema=schema)
    op.drop_table("billing_merchant_settings", schema=schema)
    for column in ("bank_account_number", "bank_branch", "bank_name", "bank_account_name"):
        op.drop_column("billing_settings", column, schema=schema)
