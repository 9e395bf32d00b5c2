"""scrub webhook delivery errors: older versions kept up to 512 bytes of the consumer's answer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:30:00.000000

A delivery log that quotes what a destination answered is a reader for internal services (an
SSRF target's response). Deliveries now keep only the status code and a short reason; this
rewrites the rows written before that, from their status code alone.
"""

from __future__ import annotations

from http import HTTPStatus

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NO_STATUS = "could not deliver (the details an older qbdsync kept were removed)"


def _reason(status_code: int | None) -> str:
    if status_code is None:
        return _NO_STATUS
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        phrase = ""
    return f"HTTP {status_code} {phrase}".rstrip()


def upgrade() -> None:
    deliveries = sa.table(
        "webhook_deliveries",
        sa.column("id", sa.String),
        sa.column("last_status_code", sa.Integer),
        sa.column("last_error", sa.Text),
    )
    conn = op.get_bind()
    codes = conn.execute(
        sa.select(deliveries.c.last_status_code)
        .where(deliveries.c.last_error.is_not(None))
        .distinct()
    ).scalars()
    for code in list(codes):
        status = (
            deliveries.c.last_status_code.is_(None)
            if code is None
            else deliveries.c.last_status_code == code
        )
        conn.execute(
            deliveries.update()
            .where(deliveries.c.last_error.is_not(None), status)
            .values(last_error=_reason(code))
        )


def downgrade() -> None:
    # What was removed is gone on purpose.
    pass
