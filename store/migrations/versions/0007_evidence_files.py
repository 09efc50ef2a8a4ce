"""evidence_files: who uploaded each evidence file (campaign, unit, activity, revision), its shown name and size

Files already cited by stored reports are recorded as belonging to the unit whose report cited them
first (their size unknown: 0), so links that worked before keep working.

Revision ID: 0007
Revises: 0005 (0006 once the branch that adds it is merged: the lead chains them)
Create Date: 2026-12-02 02:00:00
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STORED = re.compile(r"/evidence/([0-9a-f]{64}\.(?:jpg|png|gif|webp|pdf))$")


def upgrade() -> None:
    table = op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("campaign_id", sa.String(120), nullable=False),
        sa.Column("unit_code", sa.String(80), nullable=False),
        sa.Column("activity_no", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("shown_name", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign_id", "unit_code", "activity_no", "name"),
    )
    op.create_index("ix_evidence_files_name", "evidence_files", ["name"])
    reports = sa.table(
        "reports",
        sa.column("campaign_id", sa.String),
        sa.column("activity_no", sa.Integer),
        sa.column("unit_code", sa.String),
        sa.column("revision", sa.Integer),
        sa.column("evidence", sa.JSON),
        sa.column("submitted_at", sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    reported = connection.execute(sa.select(reports).order_by(reports.c.submitted_at, reports.c.revision))
    owners: dict[tuple[str, str], tuple[str, int, int]] = {}  # (campaign, file) -> the first citing report
    for row in reported:
        for reference in row.evidence or []:
            found = STORED.search(str(reference))
            if found and (row.campaign_id, found[1]) not in owners:
                owners[(row.campaign_id, found[1])] = (row.unit_code, row.activity_no, row.revision)
    now = datetime.now(UTC)
    if owners:
        rows = [
            {"campaign_id": campaign_id, "unit_code": unit, "activity_no": no, "name": name, "shown_name": name,
             "size": 0, "revision": revision, "stored_at": now}
            for (campaign_id, name), (unit, no, revision) in owners.items()
        ]  # fmt: skip
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_evidence_files_name", "evidence_files")
    op.drop_table("evidence_files")
