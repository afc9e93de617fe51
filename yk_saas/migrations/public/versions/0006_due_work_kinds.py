"""Due work for every kind: billing periods, complaint and follow-up reminders, surveys,
ledger reminders and mail retries join claims in the index.

Revision ID: p_due_work_kinds
Revises: p_due_work
Create Date: 2026-12-01

Back-fill: every firm gets a row per new kind due now, so the first tick after the
deploy runs each kind once per firm and each job writes back the real next time
(or removes the row when the firm has nothing of that kind).
"""

import sqlalchemy as sa
from alembic import op

revision = "p_due_work_kinds"
down_revision = "p_due_work"
branch_labels = None
depends_on = None

KINDS = (
    "billing",
    "complaint-followups",
    "followup-reminders",
    "surveys",
    "ledger-reminders",
    "mail",
)


def upgrade(**kw):
    for kind in KINDS:
        op.execute(
            sa.text(
                "INSERT INTO public.due_work (tenant_id, kind, due_at) "
                "SELECT id, :kind, now() FROM public.tenants "
                "ON CONFLICT (tenant_id, kind) DO NOTHING"
            ).bindparams(kind=kind)
        )


def downgrade(**kw):
    op.execute(
        sa.text("DELETE FROM public.due_work WHERE kind = ANY(:kinds)").bindparams(
            kinds=list(KINDS)
        )
    )
