"""Catalog and work items: categories, services, work items, timeline, ratings, settings.

Revision ID: t_work
Revises: t_clients
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t_work"
down_revision = "t_clients"
branch_labels = None
depends_on = None

DEFAULT_REQUEST_TYPES = ["Business licence", "Tax invoices", "Tax filing", "Other"]


def upgrade(schema: str, **kw):
    """Create the tables of the catalog and work features, and the firm's settings row."""
    op.create_table(
        "catalog_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_categories")),
        schema=schema,
    )
    op.create_table(
        "work_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("approval_threshold_cents", sa.BigInteger(), nullable=True),
        sa.Column("timeout_policy", sa.String(length=20), nullable=False),
        sa.Column("timeout_urgent_minutes", sa.Integer(), nullable=False),
        sa.Column("timeout_normal_minutes", sa.Integer(), nullable=False),
        sa.Column("timeout_low_minutes", sa.Integer(), nullable=False),
        sa.Column("stale_after_hours", sa.Integer(), nullable=False),
        sa.Column("default_capacity", sa.Integer(), nullable=False),
        sa.Column("request_types", sa.JSON(), nullable=False),
        sa.Column("round_robin_last_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_settings")),
        schema=schema,
    )
    op.create_table(
        "staff_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_staff_availability_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_availability")),
        sa.UniqueConstraint("user_id", name=op.f("uq_staff_availability_user_id")),
        schema=schema,
    )
    op.create_table(
        "catalog_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("billing_cycle", sa.String(length=12), nullable=False),
        sa.Column("image_file_id", sa.Integer(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("recommended", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            [f"{schema}.catalog_categories.id"],
            name=op.f("fk_catalog_services_category_id_catalog_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["image_file_id"],
            [f"{schema}.stored_files.id"],
            name=op.f("fk_catalog_services_image_file_id_stored_files"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_services")),
        schema=schema,
    )
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("request_type", sa.String(length=60), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("price_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("client_company_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("approval", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "price_cents IS NULL OR price_cents >= 0", name=op.f("ck_work_items_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_work_items_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_work_items_client_company_id_client_companies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_work_items_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            [f"{schema}.catalog_services.id"],
            name=op.f("fk_work_items_service_id_catalog_services"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        schema=schema,
    )
    op.create_table(
        "work_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_work_entries_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            [f"{schema}.work_items.id"],
            name=op.f("fk_work_entries_work_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_entries")),
        schema=schema,
    )
    op.create_table(
        "work_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=False),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("overall", sa.String(length=8), nullable=False),
        sa.Column("attitude", sa.Integer(), nullable=False),
        sa.Column("speed", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "attitude BETWEEN 1 AND 5 AND speed BETWEEN 1 AND 5 AND quality BETWEEN 1 AND 5",
            name=op.f("ck_work_ratings_scores_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["rated_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_work_ratings_rated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            [f"{schema}.work_items.id"],
            name=op.f("fk_work_ratings_work_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_ratings")),
        sa.UniqueConstraint("work_item_id", name=op.f("uq_work_ratings_work_item_id")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_catalog_services_category_id"),
        "catalog_services",
        ["category_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_work_items_assignee_id"),
        "work_items",
        ["assignee_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_work_items_client_company_id"),
        "work_items",
        ["client_company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "ix_work_items_pool", "work_items", ["state", "claim_deadline"], unique=False, schema=schema
    )
    op.create_index(
        op.f("ix_work_entries_work_item_id"),
        "work_entries",
        ["work_item_id"],
        unique=False,
        schema=schema,
    )
    settings = sa.table(
        "work_settings",
        sa.column("timeout_policy"),
        sa.column("timeout_urgent_minutes"),
        sa.column("timeout_normal_minutes"),
        sa.column("timeout_low_minutes"),
        sa.column("stale_after_hours"),
        sa.column("default_capacity"),
        sa.column("request_types", sa.JSON),
        schema=schema,
    )
    op.bulk_insert(
        settings,
        [
            {
                "timeout_policy": "escalate",
                "timeout_urgent_minutes": 15,
                "timeout_normal_minutes": 120,
                "timeout_low_minutes": 480,
                "stale_after_hours": 24,
                "default_capacity": 10,
                "request_types": DEFAULT_REQUEST_TYPES,
            }
        ],
    )
