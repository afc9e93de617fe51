"""Accounts: server-side sign-in sessions, secret parts of e-mails kept apart, and the
per-account lockout columns dropped (sign-in is throttled per address and account in Redis).

Revision ID: t_accounts
Revises: t_provider_checkouts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "t_accounts"
down_revision = "t_provider_checkouts"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade(schema: str, **kw):
    """Create ``user_sessions``, add the outbox's secret bodies, drop the lockout columns.

    Each step checks what is there first, so a schema that already has part of it (one
    replayed from an older revision) still arrives at the same shape.
    """
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("user_sessions", schema=schema):
        create_user_sessions(schema)
    outbox = {c["name"] for c in inspector.get_columns("outbox_emails", schema=schema)}
    for column in ("secret_text", "secret_html"):
        if column not in outbox:
            op.add_column("outbox_emails", sa.Column(column, sa.Text), schema=schema)
    users = {c["name"] for c in inspector.get_columns("users", schema=schema)}
    for column in ("failed_logins", "locked_until"):
        if column in users:
            op.drop_column("users", column, schema=schema)
    mask_secret_links(schema)


def create_user_sessions(schema: str) -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(200), nullable=False),
        sa.Column("ip_address", sa.String(45), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_user_sessions_token_hash"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{schema}.users.id"],
            ondelete="CASCADE",
            name="fk_user_sessions_user_id_users",
        ),
        schema=schema,
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"], schema=schema)


def mask_secret_links(schema: str) -> None:
    # Links already sat in clear in the outbox: keep them for the recipient only.
    op.execute(
        sa.text(
            f'UPDATE "{schema}".outbox_emails SET secret_text = body_text, secret_html = body_html, '
            "body_text = regexp_replace(body_text, :pattern, :masked, 'g'), "
            "body_html = regexp_replace(body_html, :pattern, :masked, 'g') "
            "WHERE kind IN ('invitation', 'password_reset') AND secret_text IS NULL"
        ).bindparams(pattern=r"(/invitation/|/password/reset/)[A-Za-z0-9_-]+", masked="\\1••••••")
    )
