"""the background job queue: procrastinate's tables and functions (PostgreSQL only)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 20:00:00.000000

On PostgreSQL the periodic background jobs (qbdsync.jobs) are procrastinate tasks; its schema
(tables procrastinate_*, their types, functions and triggers) is procrastinate's own SQL, read
from the installed package, applied here under the migration lock, never at start-up. SQLite
runs the jobs in-process and gets nothing. pyproject.toml pins procrastinate's minor version:
a newer one whose schema differs needs a revision applying its migration scripts
(procrastinate/sql/migrations) in order.
"""

from __future__ import annotations

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# What procrastinate's schema creates, for the downgrade (it ships no script to drop them).
_DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || f.signature || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
    procrastinate_job_to_defer_v1 CASCADE;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_DROP)
