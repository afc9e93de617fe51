"""The firm's site (slides, menus, sections, pages, announcements, publications),
notification preferences and gateway, and the append-only audit log trigger.

Revision ID: t_site
Revises: t_work
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t_site"
down_revision = "t_work"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _id():
    return sa.Column("id", sa.Integer, primary_key=True)


def upgrade(schema: str, **kw):
    op.create_table(
        "site_slides",
        _id(),
        sa.Column("image_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("subtitle", sa.String(240), nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("starts_at", TS),
        sa.Column("ends_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_slides"),
        sa.ForeignKeyConstraint(
            ["image_id"],
            [f"{schema}.stored_files.id"],
            ondelete="RESTRICT",
            name="fk_site_slides_image_id_stored_files",
        ),
        schema=schema,
    )
    op.create_table(
        "site_menu_items",
        _id(),
        sa.Column("label", sa.String(60), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("parent_id", sa.Integer),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_menu_items"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            [f"{schema}.site_menu_items.id"],
            ondelete="CASCADE",
            name="fk_site_menu_items_parent_id_site_menu_items",
        ),
        schema=schema,
    )
    op.create_table(
        "site_sections",
        _id(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_sections"),
        schema=schema,
    )
    op.create_table(
        "site_pages",
        _id(),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_pages"),
        sa.UniqueConstraint("slug", name="uq_site_pages_slug"),
        schema=schema,
    )
    op.create_table(
        "site_announcements",
        _id(),
        sa.Column("title", sa.String(160), nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("publish_at", TS, nullable=False),
        sa.Column("expires_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_announcements"),
        schema=schema,
    )
    op.create_table(
        "site_publications",
        _id(),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("published_by_id", sa.Integer),
        sa.Column("published_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_site_publications"),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            [f"{schema}.users.id"],
            ondelete="SET NULL",
            name="fk_site_publications_published_by_id_users",
        ),
        schema=schema,
    )
    op.create_table(
        "notification_preferences",
        _id(),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("event", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preferences"),
        sa.UniqueConstraint(
            "user_id", "event", "channel", name="uq_notification_preferences_user_event_channel"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{schema}.users.id"],
            ondelete="CASCADE",
            name="fk_notification_preferences_user_id_users",
        ),
        schema=schema,
    )
    op.create_table(
        "notification_webhooks",
        _id(),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("last_success_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_webhooks"),
        schema=schema,
    )
    from yk_saas.audit.services import install_append_only_trigger

    install_append_only_trigger(op.get_bind(), schema)
