"""API list reads from indexes: records.modified_date and two partial indexes over mapped records

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 20:20:00.000000

records.modified_date holds data.modifiedDate (filled here from the JSON for existing rows);
ix_records_listed (connection_id, data_type, record_id) and ix_records_listed_modified
(connection_id, data_type, modified_date, record_id), both over the rows with data, let the API
page by id or modifiedDate and count a list without reading any JSON. On PostgreSQL the text
columns of both indexes are COLLATE "C": the API sorts JSON strings by code point.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_records_listed": ("record_id",),
    "ix_records_listed_modified": ("modified_date", "record_id"),
}


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("modified_date", sa.String(length=20), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            "UPDATE records SET modified_date = data ->> 'modifiedDate' WHERE data IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE records SET modified_date = json_extract(data, '$.modifiedDate') "
            "WHERE data IS NOT NULL"
        )
    for name, columns in _INDEXES.items():
        collated = ", ".join(f'{c} COLLATE "C"' if postgres else c for c in columns)
        op.execute(
            f"CREATE INDEX {name} ON records (connection_id, data_type, {collated}) "
            "WHERE data IS NOT NULL"
        )


def downgrade() -> None:
    for name in reversed(list(_INDEXES)):
        op.execute(f"DROP INDEX {name}")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("modified_date")
