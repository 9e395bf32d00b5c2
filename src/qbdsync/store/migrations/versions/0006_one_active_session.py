"""one active Web Connector session per connection, and the request each one has pending

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000

Before this revision two Web Connectors could both hold an active session of one connection.
All but the newest such session are marked abandoned first, so the unique index can be built.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.execute(
        """
        UPDATE qbwc_sessions SET status = 'abandoned',
        last_error = 'Another session of this connection was active too; the newer one was kept.'
        WHERE status = 'active' AND EXISTS (
            SELECT 1 FROM qbwc_sessions AS newer
            WHERE newer.connection_id = qbwc_sessions.connection_id
              AND newer.status = 'active'
              AND (newer.created_at > qbwc_sessions.created_at
                   OR (newer.created_at = qbwc_sessions.created_at
                       AND newer.ticket > qbwc_sessions.ticket))
        )
        """
    )
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_request", sa.Text(), nullable=True))
        batch_op.create_index(
            "uq_qbwc_sessions_one_active",
            ["connection_id"],
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        )


def downgrade() -> None:
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.drop_index("uq_qbwc_sessions_one_active")
        batch_op.drop_column("pending_request")
