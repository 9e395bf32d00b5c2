"""sync lifecycle: pull operations, sync settings, pause, windows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:22:22.374872
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_settings",
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("fetch_on_first_link", sa.Boolean(), nullable=False),
        sa.Column("sync_schedule_hours", sa.Integer(), nullable=False),
        sa.Column("sync_order", sa.Integer(), nullable=False),
        sa.Column("sync_from_utc", sa.String(length=32), nullable=True),
        sa.Column("months_to_sync", sa.Integer(), nullable=True),
        sa.Column("is_locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "data_type", name=op.f("pk_sync_settings")),
    )
    op.create_table(
        "pull_operations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_description", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("ticket", sa.String(length=128), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column(
            "datasets_done",
            sa.JSON(none_as_null=True).with_variant(
                postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_pull_operations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_pull_operations_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pull_operations")),
    )
    with op.batch_alter_table("pull_operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pull_operations_company_id_requested"),
            ["company_id", "requested"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_pull_operations_connection_id_status"),
            ["connection_id", "status"],
            unique=False,
        )

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_mode", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sync_window", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("sync_window_days", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))

    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("paused_until")

    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("sync_window_days")
        batch_op.drop_column("sync_window")
        batch_op.drop_column("sync_mode")

    with op.batch_alter_table("pull_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pull_operations_connection_id_status"))
        batch_op.drop_index(batch_op.f("ix_pull_operations_company_id_requested"))

    op.drop_table("pull_operations")
    op.drop_table("sync_settings")
