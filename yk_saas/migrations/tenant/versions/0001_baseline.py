"""Baseline of a firm schema.

A firm created at this revision got its tables from the models at
provisioning time, so there is nothing to apply; later revisions start here.

Revision ID: t0001
Revises:
Create Date: 2026-11-23
"""

revision = "t0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade(schema: str, **kw):
    """Nothing to change: the baseline is what provisioning creates."""
