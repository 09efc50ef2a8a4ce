"""users: drop failed_logins and locked_until, never used. Failed sign-ins are counted by the portal's
moving windows (web/guard.py: a back-off per name and address, not a lock on the account, so a guesser
cannot lock the office out); nothing reads or writes these columns.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
