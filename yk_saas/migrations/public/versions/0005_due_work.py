"""Due work: per firm and kind of background work, when it is next due.

Revision ID: p_due_work
Revises: p_domain_claims
Create Date: 2026-12-01

Back-fill: every firm gets a row per kind due now, so the first tick after the
deploy runs each kind once per firm and each job writes back the real next time.
"""

import sqlalchemy as sa
from alembic import op

revision = "p_due_work"
down_revision = "p_domain_claims"
branch_labels = None
depends_on = None

KINDS = ("claims",)


def upgrade(**kw):
    op.create_table(
        "due_work",
        sa.Column("tenant_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("tenant_id", "kind", name="pk_due_work"),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["public.tenants.id"],
            ondelete="CASCADE",
            name="fk_due_work_tenant_id_tenants",
        ),
        schema="public",
    )
    op.create_index("ix_due_work_due_at", "due_work", ["due_at"], schema="public")
    for kind in KINDS:
        op.execute(
            sa.text(
                "INSERT INTO public.due_work (tenant_id, kind, due_at) "
                "SELECT id, :kind, now() FROM public.tenants"
            ).bindparams(kind=kind)
        )
