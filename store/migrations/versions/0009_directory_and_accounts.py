"""directory_units, directory_state, directory_changes: the unit directory kept in the store (seeded
from UNITS_FILE by the first page that needs it); account_changes and password_links: accounts managed in
the browser, every change audited, new people setting their password through a one-time link

Revision ID: 0009
Revises: 0008 (the schedule editor's drafts; on the directory's own branch, 0007 until the lead chains them)
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_units",
        sa.Column("code", sa.String(80), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("cluster", sa.String(80), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
    )
    op.create_table(
        "directory_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("file_digest", sa.String(64), nullable=True),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "directory_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("unit_code", sa.String(80), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_directory_changes_unit", "directory_changes", ["unit_code"])
    op.create_table(
        "account_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("user_name", sa.String(60), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_account_changes_user_name", "account_changes", ["user_name"])
    op.create_table(
        "password_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
    )
    op.create_index("ix_password_links_user_id", "password_links", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_links_user_id", table_name="password_links")
    op.drop_table("password_links")
    op.drop_index("ix_account_changes_user_name", table_name="account_changes")
    op.drop_table("account_changes")
    op.drop_index("ix_directory_changes_unit", table_name="directory_changes")
    op.drop_table("directory_changes")
    op.drop_table("directory_state")
    op.drop_table("directory_units")
