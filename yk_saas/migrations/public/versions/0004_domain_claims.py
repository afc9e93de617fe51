"""Domain claims: any number of unverified claims on a host, one verified domain per host.

Revision ID: p_domain_claims
Revises: p_provider_bindings
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "p_domain_claims"
down_revision = "p_provider_bindings"
branch_labels = None
depends_on = None


def upgrade(**kw):
    op.drop_constraint("uq_domains_host", "domains", schema="public", type_="unique")
    op.create_index(
        "uq_domains_host_verified",
        "domains",
        ["host"],
        unique=True,
        schema="public",
        postgresql_where=sa.text("verified"),
    )
    op.create_unique_constraint(
        "uq_domains_tenant_id_host", "domains", ["tenant_id", "host"], schema="public"
    )
    op.create_index("ix_domains_host", "domains", ["host"], schema="public")
