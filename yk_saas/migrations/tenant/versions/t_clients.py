"""Clients, ledgers and feedback: CRM fields, contacts, tags, notes, accountant history,
staff profiles, ledger periods and tax filings, complaints, follow-ups and surveys.

Revision ID: t_clients
Revises: t_billing
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "t_clients"
down_revision = "t_billing"
branch_labels = None
depends_on = None


def upgrade(schema: str, **kw):
    """Add the company columns and create the feature's tables in firm schema ``schema``."""
    op.add_column(
        "client_companies",
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        schema=schema,
    )
    op.add_column(
        "client_companies",
        sa.Column("industry", sa.String(length=100), nullable=True),
        schema=schema,
    )
    op.add_column(
        "client_companies", sa.Column("size", sa.String(length=16), nullable=True), schema=schema
    )
    op.add_column(
        "client_companies",
        sa.Column("tax_type", sa.String(length=16), nullable=True),
        schema=schema,
    )
    op.add_column(
        "client_companies",
        sa.Column("address", sa.String(length=300), nullable=True),
        schema=schema,
    )
    op.add_column(
        "client_companies", sa.Column("source", sa.String(length=16), nullable=True), schema=schema
    )
    op.add_column(
        "client_companies",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        schema=schema,
    )
    op.add_column(
        "client_companies",
        sa.Column("lost_at", sa.DateTime(timezone=True), nullable=True),
        schema=schema,
    )
    op.create_table(
        "client_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("wechat", sa.String(length=64), nullable=True),
        sa.Column("is_primary", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_client_contacts_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_contacts")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_client_contacts_company_id"),
        "client_contacts",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        "uq_client_contacts_primary",
        "client_contacts",
        ["company_id"],
        unique=True,
        schema=schema,
        postgresql_where=sa.text("is_primary IS true"),
    )
    op.create_table(
        "client_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_client_tags_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_tags")),
        sa.UniqueConstraint("company_id", "tag", name="uq_client_tags_company_tag"),
        schema=schema,
    )
    op.create_index(
        op.f("ix_client_tags_company_id"),
        "client_tags",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(op.f("ix_client_tags_tag"), "client_tags", ["tag"], unique=False, schema=schema)
    op.create_table(
        "client_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("superseded", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_client_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_client_notes_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            [f"{schema}.client_notes.id"],
            name=op.f("fk_client_notes_replaces_id_client_notes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_notes")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_client_notes_company_id"),
        "client_notes",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "accountant_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("old_id", sa.Integer(), nullable=True),
        sa.Column("new_id", sa.Integer(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_accountant_changes_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_accountant_changes_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["new_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_accountant_changes_new_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["old_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_accountant_changes_old_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accountant_changes")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_accountant_changes_company_id"),
        "accountant_changes",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "staff_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("wechat", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("photo_file_id", sa.Integer(), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["photo_file_id"],
            [f"{schema}.stored_files.id"],
            name=op.f("fk_staff_profiles_photo_file_id_stored_files"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_staff_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_staff_profiles")),
        schema=schema,
    )
    op.create_table(
        "ledger_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=True),
        sa.Column("costs", sa.BigInteger(), nullable=True),
        sa.Column("profit", sa.BigInteger(), nullable=True),
        sa.Column("vat", sa.BigInteger(), nullable=True),
        sa.Column("income_tax", sa.BigInteger(), nullable=True),
        sa.Column("cash_balance", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_ledger_periods_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_ledger_periods_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_periods")),
        sa.UniqueConstraint("company_id", "period", name="uq_ledger_periods_company_period"),
        schema=schema,
    )
    op.create_index(
        op.f("ix_ledger_periods_company_id"),
        "ledger_periods",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_ledger_periods_period"), "ledger_periods", ["period"], unique=False, schema=schema
    )
    op.create_table(
        "tax_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("tax", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["period_id"],
            [f"{schema}.ledger_periods.id"],
            name=op.f("fk_tax_filings_period_id_ledger_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_filings")),
        sa.UniqueConstraint("period_id", "tax", name="uq_tax_filings_period_tax"),
        schema=schema,
    )
    op.create_index(
        op.f("ix_tax_filings_period_id"), "tax_filings", ["period_id"], unique=False, schema=schema
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("about_accountant_id", sa.Integer(), nullable=True),
        sa.Column("about_item", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followup_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("client_satisfied", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["about_accountant_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_complaints_about_accountant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_complaints_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_complaints_filed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_complaints_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_complaints_about_accountant_id"),
        "complaints",
        ["about_accountant_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_complaints_company_id"), "complaints", ["company_id"], unique=False, schema=schema
    )
    op.create_index(
        op.f("ix_complaints_followup_due_at"),
        "complaints",
        ["followup_due_at"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_complaints_state"), "complaints", ["state"], unique=False, schema=schema
    )
    op.create_table(
        "complaint_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_complaint_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            [f"{schema}.complaints.id"],
            name=op.f("fk_complaint_notes_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notes")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_complaint_notes_complaint_id"),
        "complaint_notes",
        ["complaint_id"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("accountant_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_for", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["accountant_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_follow_ups_accountant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_follow_ups_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_follow_ups_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_follow_ups_accountant_id"),
        "follow_ups",
        ["accountant_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_follow_ups_company_id"), "follow_ups", ["company_id"], unique=False, schema=schema
    )
    op.create_index(
        op.f("ix_follow_ups_scheduled_for"),
        "follow_ups",
        ["scheduled_for"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round", sa.String(length=7), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accountant_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accountant_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_survey_responses_accountant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            [f"{schema}.client_companies.id"],
            name=op.f("fk_survey_responses_company_id_client_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            [f"{schema}.users.id"],
            name=op.f("fk_survey_responses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint("user_id", "round", name="uq_survey_responses_user_round"),
        schema=schema,
    )
    op.create_index(
        op.f("ix_survey_responses_accountant_id"),
        "survey_responses",
        ["accountant_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_survey_responses_company_id"),
        "survey_responses",
        ["company_id"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_survey_responses_round"),
        "survey_responses",
        ["round"],
        unique=False,
        schema=schema,
    )
    op.create_index(
        op.f("ix_client_companies_status"),
        "client_companies",
        ["status"],
        unique=False,
        schema=schema,
    )
    op.create_unique_constraint(
        "uq_client_companies_credit_code", "client_companies", ["credit_code"], schema=schema
    )
