"""connection health: when the connector last called, last completed a session, and the health
state last announced

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 19:40:00.000000

connections.last_request_at (any call from the connector, written coalesced) and
last_successful_request_at (the end of its last session that completed its work) are what a
connection's health is worked out from; health_state and health_changed_at are what the health
watch last announced (connection.health.changed), so each change is sent once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("last_request_at", sa.DateTime(timezone=True)),
    ("last_successful_request_at", sa.DateTime(timezone=True)),
    ("health_state", sa.String(length=16)),
    ("health_changed_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        for name, kind in _COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        for name, _kind in reversed(_COLUMNS):
            batch_op.drop_column(name)
