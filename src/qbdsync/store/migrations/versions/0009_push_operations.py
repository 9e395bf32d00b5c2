"""push operations: writes into QuickBooks, queued until the connector calls

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:20:36.214455

One row per create, update or delete asked through the API (Codat's PushOperation), and on each
connection the number of its pending pushes, which authenticate reads to decide whether a poll
has work.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "push_operations",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("push_key", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("provisional_id", sa.String(length=64), nullable=True),
        sa.Column("external_guid", sa.String(length=38), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("validation", _json(), nullable=True),
        sa.Column("changes", _json(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timeout_in_minutes", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("force_update", sa.Boolean(), nullable=False),
        sa.Column("depends_on", _json(), nullable=True),
        sa.Column("message_set_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result_record_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_push_operations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_push_operations_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_push_operations")),
        sa.UniqueConstraint("provisional_id", name=op.f("uq_push_operations_provisional_id")),
        sa.UniqueConstraint("push_key", name=op.f("uq_push_operations_push_key")),
    )
    with op.batch_alter_table("push_operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_push_operations_company_id_requested_at"),
            ["company_id", "requested_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_push_operations_connection_id_status_seq"),
            ["connection_id", "status", "seq"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_push_operations_status_expires_at"),
            ["status", "expires_at"],
            unique=False,
        )

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending_pushes", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("pending_pushes")

    with op.batch_alter_table("push_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_push_operations_status_expires_at"))
        batch_op.drop_index(batch_op.f("ix_push_operations_connection_id_status_seq"))
        batch_op.drop_index(batch_op.f("ix_push_operations_company_id_requested_at"))

    op.drop_table("push_operations")
