"""pushes refused as locked are counted apart from sends: push_operations.lock_retries

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:00:00.000000

A push QuickBooks refused because a record was locked (open in a window, or edited by another
user) never ran, so that send no longer counts toward `attempts` (the sends QuickBooks may have
applied); `lock_retries` counts the sessions that found it locked, so it fails after a bounded
number instead of making every poll a working session forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("push_operations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lock_retries", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("push_operations", schema=None) as batch_op:
        batch_op.drop_column("lock_retries")
