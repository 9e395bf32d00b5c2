"""Shared pieces of the API routes: the store, settings and tenant-checked lookups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import Connection, Engine

from qbdsync.api.auth import Caller
from qbdsync.errors import NotFound
from qbdsync.push.kinds import PushKind
from qbdsync.push.registry import KINDS
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store.companies import CompanyRow, ConnectionRow


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def now() -> datetime:
    return datetime.now(UTC)


def company_of(conn: Connection, caller: Caller, company_id: str) -> CompanyRow:
    """The caller's company, or NotFound: another tenant's company does not exist for them."""
    return company_store.get_company(conn, company_id, client_id=caller.client_id)


def connection_of(
    conn: Connection, caller: Caller, company_id: str, connection_id: str
) -> ConnectionRow:
    company_of(conn, caller, company_id)
    try:
        connection = company_store.get_connection(conn, connection_id)
    except NotFound:
        connection = None
    if connection is None or connection.company_id != company_id:
        raise NotFound(f"no connection with id {connection_id}")
    return connection


def push_kinds_of(request: Request) -> Mapping[str, PushKind]:
    """The pushable data types the app was made with, by our data type names."""
    kinds: Mapping[str, PushKind] = request.app.state.push_kinds
    return kinds


def registered_push_kinds() -> dict[str, PushKind]:
    """Every pushable data type qbdsync has (qbdsync.push.registry), by data type."""
    return dict(KINDS)
