"""Alembic environment: runs against the Engine that qbdsync passes in (never a URL in ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from qbdsync.store.tables import metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    assert isinstance(engine, Engine)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
