"""webhook delivery leases: a delivery being posted says so, and until when

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:20:00.000000

A claim used to show only as a later next_attempt_at, which a delivery waiting for its retry
has too; replaying a delivery a worker was posting then made it due at once, and another
process could post it a second time. `leased_until` tells the two apart.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("leased_until")
