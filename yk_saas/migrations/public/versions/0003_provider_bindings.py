"""Provider bindings: each firm's account at a payment provider and the platform's own objects.

Revision ID: p_provider_bindings
Revises: p_operators
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "p_provider_bindings"
down_revision = "p_operators"
branch_labels = None
depends_on = None


def upgrade(**kw):
    op.create_table(
        "provider_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(120), nullable=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_provider_accounts"),
        sa.UniqueConstraint(
            "provider", "account_id", name="uq_provider_accounts_provider_account_id"
        ),
        sa.UniqueConstraint(
            "provider", "tenant_id", name="uq_provider_accounts_provider_tenant_id"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["public.tenants.id"],
            ondelete="CASCADE",
            name="fk_provider_accounts_tenant_id_tenants",
        ),
        schema="public",
    )
    op.create_table(
        "platform_provider_objects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("object_id", sa.String(120), nullable=False),
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_platform_provider_objects"),
        sa.UniqueConstraint(
            "provider", "object_id", name="uq_platform_provider_objects_provider_object_id"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["public.tenants.id"],
            ondelete="CASCADE",
            name="fk_platform_provider_objects_tenant_id_tenants",
        ),
        schema="public",
    )
    op.create_index(
        "ix_platform_provider_objects_tenant_id",
        "platform_provider_objects",
        ["tenant_id"],
        schema="public",
    )
