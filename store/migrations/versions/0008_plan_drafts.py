"""plan_drafts and campaign_plans: the office's schedule editor keeps its drafts, and every campaign it
starts keeps the plan as read, the changes made by hand (field, from, to, who, when) and the plan as started

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_drafts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(120), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("campaign_id", sa.String(120), nullable=True),
    )
    op.create_index("ix_plan_drafts_status", "plan_drafts", ["status"])
    op.create_table(
        "campaign_plans",
        sa.Column("campaign_id", sa.String(120), primary_key=True),
        sa.Column("draft_id", sa.String(32), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("read_plan", sa.JSON(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("started_plan", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.String(120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_plans")
    op.drop_index("ix_plan_drafts_status", "plan_drafts")
    op.drop_table("plan_drafts")
