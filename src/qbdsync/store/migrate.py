"""Bring a database to the newest schema with Alembic (called by every entry point)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from qbdsync.store.db import check_connection, make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Apply every pending migration; a no-op on an up-to-date database."""
    command.upgrade(alembic_config(engine), "head")


def open_database(url: str | URL) -> Engine:
    """An engine on `url`, reachable and migrated: what every command starts with.

    Raises ConfigurationError (a URL that is not SQLite or PostgreSQL) or DatabaseUnavailable
    (one that cannot be opened), each one line naming the URL with its password masked.
    """
    engine = make_engine(url)
    try:
        check_connection(engine)
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine
