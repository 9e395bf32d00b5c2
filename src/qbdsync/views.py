"""Read-side shapes shared by the CLI and the API (Codat field names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from qbdsync.settings import Settings
from qbdsync.statuses import COMPLETED_PULL_STATUSES, ERRORED_PULL_STATUSES, PullStatus
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.link_tokens import link_url
from qbdsync.store.pulls import PullRow
from qbdsync.store.pushes import PushRow
from qbdsync.store.sync_settings import SyncSetting


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Codat calls the chart of accounts "chartOfAccounts" wherever a data type is a value (dataStatus,
# pull operations, sync settings, data/queue/{dataType}); only the read path says /data/accounts.
# The SDKs validate those values against that enum, so the API speaks Codat's names.
_CODAT_DATA_TYPE_NAMES = {"accounts": "chartOfAccounts"}
_INTERNAL_DATA_TYPE_NAMES = {codat: ours for ours, codat in _CODAT_DATA_TYPE_NAMES.items()}


def codat_data_type(name: str) -> str:
    """Codat's name for one of our data types ('accounts' -> 'chartOfAccounts')."""
    return _CODAT_DATA_TYPE_NAMES.get(name, name)


def internal_data_type(name: str) -> str:
    """Our name for a data type given in Codat's words; our own names pass through."""
    return _INTERNAL_DATA_TYPE_NAMES.get(name, name)


def sync_setting_view(s: SyncSetting) -> dict[str, Any]:
    """One data type's sync settings, as Codat's syncSettings name them."""
    return {
        "dataType": codat_data_type(s.data_type),
        "fetchOnFirstLink": s.fetch_on_first_link,
        "syncSchedule": s.sync_schedule_hours,
        "syncOrder": s.sync_order,
        "syncFromUtc": s.sync_from_utc,
        "syncFromWindow": s.months_to_sync,
        "monthsToSync": s.months_to_sync,
        "isLocked": s.is_locked,
    }


def pull_view(
    row: PullRow, connection: ConnectionRow | None, now: datetime | None = None
) -> dict[str, Any]:
    """A PullOperation in Codat's words (accounts is dataType chartOfAccounts, as the SDKs
    know it); a queued one on a paused connection shows Initial, "Paused until …"."""
    now = now or datetime.now(UTC)
    status, description = row.status, row.status_description
    paused = connection.paused_until if connection is not None else None
    if status == PullStatus.QUEUED and paused is not None and paused > now:
        status, description = PullStatus.INITIAL, f"Paused until {iso(paused)}"
    return {
        "id": row.id,
        "companyId": row.company_id,
        "connectionId": row.connection_id,
        "dataType": codat_data_type(row.data_type),
        "status": status,
        "statusDescription": description,
        "errorMessage": row.error_message,
        "requested": iso(row.requested),
        "completed": iso(row.completed),
        "progress": row.progress,
        "isCompleted": row.status in COMPLETED_PULL_STATUSES,
        "isErrored": row.status in ERRORED_PULL_STATUSES,
    }


PLATFORM_KEY = "pqsw"
PLATFORM_NAME = "QuickBooks Desktop"
# A stable integration id for pqsw (Codat's ids are GUIDs).
INTEGRATION_ID = "fd321cb6-7963-4506-b873-e99593a45e30"


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


_CONNECTION_EVENT_FIELDS = (
    "id",
    "integrationKey",
    "sourceId",
    "platformName",
    "linkUrl",
    "status",
    "lastSync",
    "created",
    "sourceType",
)


def company_reference(company: CompanyRow) -> dict[str, Any]:
    return {
        "id": company.id,
        "name": company.name,
        "description": company.description,
        "tags": company.tags or {},
    }


def connection_event_payload(company: CompanyRow, view: dict[str, Any]) -> dict[str, Any]:
    """The payload of Codat's connection.* webhook events."""
    return {
        "referenceCompany": company_reference(company),
        "connection": {k: view[k] for k in _CONNECTION_EVENT_FIELDS},
    }


def _validation(row: PushRow) -> dict[str, Any]:
    found = row.validation or {}
    return {
        "errors": list(found.get("errors") or []),
        "warnings": list(found.get("warnings") or []),
    }


def push_view(row: PushRow, *, with_data: bool = False) -> dict[str, Any]:
    """A PushOperation in Codat's words; `with_data` adds `data`, the record as pushed (what
    the create, update and delete answers carry; a delete's is null)."""
    view: dict[str, Any] = {
        "pushOperationKey": row.push_key,
        "companyId": row.company_id,
        "dataConnectionKey": row.connection_id,
        "dataType": codat_data_type(row.data_type),
        "requestedOnUtc": iso(row.requested_at),
        "completedOnUtc": iso(row.completed_at),
        "timeoutInMinutes": row.timeout_in_minutes,
        "timeoutInSeconds": None if row.timeout_in_minutes is None else row.timeout_in_minutes * 60,
        "status": row.status,
        "statusCode": row.status_code,
        "errorMessage": row.error_message,
        "validation": _validation(row),
        "changes": row.changes,
    }
    if with_data:
        view["data"] = push_data(row)
    return view


def push_data(row: PushRow) -> dict[str, Any] | None:
    """The record as accepted: the payload with its id (a create's provisional id until
    QuickBooks made it, then its QuickBooks id)."""
    if row.action == "Delete":
        return None
    record_id = row.result_record_id or row.provisional_id or row.record_id
    return {**row.payload, "id": record_id}


def push_event_payload(company: CompanyRow, row: PushRow) -> dict[str, Any]:
    """The payload of Codat's {dataType}.write.successful / .unsuccessful events."""
    return {
        "id": row.push_key,
        "pushOperationKey": row.push_key,
        "type": row.action,
        "dataType": codat_data_type(row.data_type),
        "referenceCompany": company_reference(company),
        "connectionId": row.connection_id,
        "requestedOnDate": iso(row.requested_at),
        "completedOnDate": iso(row.completed_at),
        "status": row.status,
        "record": {"id": row.result_record_id} if row.result_record_id is not None else None,
        "errorMessage": row.error_message,
        "validation": _validation(row),
    }
