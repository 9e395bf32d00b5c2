"""Alembic environment: runs on the Connection (or Engine) qbdsync passes in, never a URL.

qbdsync.store.migrate passes a Connection with the migration lock held on it and the
transaction the migrations run in begun. An Engine (tests stepping through revisions) gets a
transaction of its own.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from qbdsync.store.migrate import is_declared
from qbdsync.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=is_declared,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    bind = context.config.attributes["connection"]
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            _run(connection)
    else:
        assert isinstance(bind, Connection)
        _run(bind)


run_migrations_online()
