"""Codat-shaped views of companies and connections (the read side of the platform API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from qbdsync.linking import link_url
from qbdsync.settings import Settings
from qbdsync.store import records as record_store
from qbdsync.store.companies import CompanyRow, ConnectionRow

PLATFORM_KEY = "pqsw"
PLATFORM_NAME = "QuickBooks Desktop"
# A stable integration id for pqsw (Codat's ids are GUIDs).
INTEGRATION_ID = "fd321cb6-7963-4506-b873-e99593a45e30"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def connection_view(conn: Connection, settings: Settings, row: ConnectionRow) -> dict[str, Any]:
    errors = []
    if row.last_error:
        errors.append(
            {
                "statusCode": "",
                "statusText": row.last_error[:200],
                "errorMessage": row.last_error,
                "erroredOnUtc": iso(row.last_sync_at or row.created_at),
                "status": "Active",
                "resolvedOnUtc": None,
            }
        )
    return {
        "id": row.id,
        "integrationId": INTEGRATION_ID,
        "integrationKey": PLATFORM_KEY,
        "sourceId": INTEGRATION_ID,
        "platformName": PLATFORM_NAME,
        "linkUrl": link_url(conn, settings, row.id) or f"{settings.public_url}/link",
        "status": row.status,
        "lastSync": iso(row.last_sync_at),
        "created": iso(row.created_at),
        "sourceType": "Accounting",
        "dataConnectionErrors": errors,
        "connectionInfo": {
            "qbwcUserName": row.username,
            "quickBooksProduct": row.qb_product,
            "country": row.qb_country,
            "qbxmlVersion": row.qbxml_version,
            "companyFile": row.company_file,
            "pausedUntil": iso(row.paused_until),
        },
    }


def company_view(
    conn: Connection,
    settings: Settings,
    row: CompanyRow,
    connections: list[ConnectionRow],
) -> dict[str, Any]:
    views = [connection_view(conn, settings, c) for c in connections]
    last_syncs = [c.last_sync_at for c in connections if c.last_sync_at is not None]
    redirect = views[0]["linkUrl"] if views else f"{settings.public_url}/link"
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "redirect": redirect,
        "lastSync": iso(max(last_syncs)) if last_syncs else None,
        "created": iso(row.created_at),
        "createdByUserName": None,
        "products": [],
        "tags": row.tags or {},
        "dataConnections": views,
    }


def record_counts(conn: Connection, connection_id: str) -> dict[str, int]:
    return record_store.count_by_type(conn, connection_id)
