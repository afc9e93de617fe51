"""Platform operators (the operator console's accounts).

Revision ID: p_operators
Revises: p0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "p_operators"
down_revision = "p0001"
branch_labels = None
depends_on = None


def upgrade(**kw):
    op.create_table(
        "platform_operators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_platform_operators"),
        sa.UniqueConstraint("email", name="uq_platform_operators_email"),
        schema="public",
    )
