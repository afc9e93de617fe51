"""Billing back-fill: a firm-set number of past periods billed at most, and each contract's
first billable period.

Revision ID: t_backfill
Revises: t_accounts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t_backfill"
down_revision = "t_accounts"
branch_labels = None
depends_on = None


def upgrade(schema: str, **kw):
    op.add_column(
        "billing_settings",
        sa.Column("backfill_periods", sa.Integer(), nullable=False, server_default="3"),
        schema=schema,
    )
    op.add_column(
        "billing_contracts", sa.Column("bill_from", sa.Date(), nullable=True), schema=schema
    )


def downgrade(schema: str, **kw):
    op.drop_column("billing_contracts", "bill_from", schema=schema)
    op.drop_column("billing_settings", "backfill_periods", schema=schema)
