"""campaign_activities.contacts: the people the plan names for an activity ("thầy Minh (Văn phòng)"),
shown on the unit's page and the office's activity page; NULL when it names none

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_activities") as batch:
        batch.add_column(sa.Column("contacts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_activities") as batch:
        batch.drop_column("contacts")
