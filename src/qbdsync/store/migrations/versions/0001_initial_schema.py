"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 15:02:44.063000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "connections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("file_id", sa.String(length=38), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("qb_product", sa.String(length=255), nullable=True),
        sa.Column("qb_country", sa.String(length=2), nullable=True),
        sa.Column("qbxml_version", sa.String(length=16), nullable=True),
        sa.Column("company_file", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_connections_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("username", name=op.f("uq_connections_username")),
    )
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connections_company_id"), ["company_id"], unique=False)

    op.create_table(
        "qbwc_sessions",
        sa.Column("ticket", sa.String(length=128), nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", JSON_DOC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("close_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_qbwc_sessions_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket", name=op.f("pk_qbwc_sessions")),
    )
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_qbwc_sessions_connection_id_status"),
            ["connection_id", "status"],
            unique=False,
        )

    op.create_table(
        "records",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("data_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("edit_sequence", sa.String(length=32), nullable=True),
        sa.Column("source_modified", sa.String(length=32), nullable=True),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", JSON_DOC, nullable=False),
        sa.Column("data", JSON_DOC, nullable=True),
        sa.Column("mapping_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_records_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "data_type", "record_id", name=op.f("pk_records")),
    )
    op.create_table(
        "sync_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("ticket", sa.String(length=128), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("hresult", sa.String(length=16), nullable=True),
        sa.Column("recovery", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_sync_errors_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_errors")),
    )
    with op.batch_alter_table("sync_errors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_errors_connection_id_occurred_at"),
            ["connection_id", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "watermarks",
        sa.Column("connection_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_watermarks_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "dataset", name=op.f("pk_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("watermarks")
    with op.batch_alter_table("sync_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_errors_connection_id_occurred_at"))

    op.drop_table("sync_errors")
    op.drop_table("records")
    with op.batch_alter_table("qbwc_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qbwc_sessions_connection_id_status"))

    op.drop_table("qbwc_sessions")
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connections_company_id"))

    op.drop_table("connections")
    op.drop_table("meta")
    op.drop_table("companies")
