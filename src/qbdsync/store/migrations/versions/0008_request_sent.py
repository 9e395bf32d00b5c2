"""a session's next request is prepared before it is sent: request_sent tells the two apart

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00.000000

The next request is now prepared when the previous response is taken, so one round trip reads
and writes the session state once. A prepared request is not in flight: QuickBooks is not
working on it, and the silence allowed before the session counts as abandoned is the short one
between calls. Before this revision a stored pending request had always been sent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("request_sent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.execute("UPDATE qbwc_sessions SET request_sent = true WHERE pending_request IS NOT NULL")


def downgrade() -> None:
    # An older qbdsync takes any pending request for one QuickBooks is working on; a prepared
    # one it would resend when asked, which is what it is for.
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.drop_column("request_sent")
