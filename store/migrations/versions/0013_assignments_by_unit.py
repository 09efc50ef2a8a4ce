"""assignments: an index on (campaign_id, unit_code). Every request of the unit portal reads a unit's
assignments in its campaign (store.unit_pages.unit_link_check); the unique key (campaign_id,
activity_no, unit_code) serves only its first column there, so a city's campaign (twelve activities of
20,000 units) was scanned a quarter of a million rows per page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_campaign_unit", "assignments", ["campaign_id", "unit_code"])


def downgrade() -> None:
    op.drop_index("ix_assignments_campaign_unit", table_name="assignments")
