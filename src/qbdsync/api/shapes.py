"""Codat-shaped views of companies and connections (kept in qbdsync.views, shared with the
Web Connector service's webhook events); the API's connections also carry their `health` and
their dataConnectionErrors from the error log (connection_health.py)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from qbdsync import views
from qbdsync.connection_health import with_health
from qbdsync.settings import Settings
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.views import INTEGRATION_ID, PLATFORM_KEY, PLATFORM_NAME, iso


def connection_view(conn: Connection, settings: Settings, row: ConnectionRow) -> dict[str, Any]:
    """A connection as the API shows it: Codat's fields and its health now."""
    view = views.connection_view(conn, settings, row)
    return with_health(conn, settings, row, view, datetime.now(UTC))


def company_view(
    conn: Connection,
    settings: Settings,
    row: CompanyRow,
    connections: list[ConnectionRow],
) -> dict[str, Any]:
    """A company as the API shows it, each of its connections with its health."""
    view = views.company_view(conn, settings, row, connections)
    view["dataConnections"] = [connection_view(conn, settings, c) for c in connections]
    return view


__all__ = [
    "INTEGRATION_ID",
    "PLATFORM_KEY",
    "PLATFORM_NAME",
    "company_view",
    "connection_view",
    "iso",
]
