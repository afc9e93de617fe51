"""Refund payouts: how and when the money went back (the reference is ``provider_reference``).

Revision ID: t_refund_payout
Revises: t_backfill
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t_refund_payout"
down_revision = "t_backfill"
branch_labels = None
depends_on = None


def upgrade(schema: str, **kw):
    op.add_column(
        "billing_refunds", sa.Column("payout_method", sa.String(16), nullable=True), schema=schema
    )
    op.add_column(
        "billing_refunds", sa.Column("paid_out_on", sa.Date(), nullable=True), schema=schema
    )


def downgrade(schema: str, **kw):
    op.drop_column("billing_refunds", "paid_out_on", schema=schema)
    op.drop_column("billing_refunds", "payout_method", schema=schema)
