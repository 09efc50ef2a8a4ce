"""campaign_activities.duties and reports.duties: the duties of the units' report on the plan and each
unit's answer per duty (campaign.duties); NULL for every other activity and report

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_activities") as batch:
        batch.add_column(sa.Column("duties", sa.JSON(), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("duties", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("duties")
    with op.batch_alter_table("campaign_activities") as batch:
        batch.drop_column("duties")
