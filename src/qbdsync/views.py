"""Read-side shapes shared by the CLI and the API (Codat field names)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from qbdsync.store.companies import ConnectionRow
from qbdsync.store.pulls import PullRow


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pull_view(
    row: PullRow, connection: ConnectionRow | None, now: datetime | None = None
) -> dict[str, Any]:
    """A PullOperation; a queued one on a paused connection shows Initial, "Paused until …"."""
    now = now or datetime.now(UTC)
    status, description = row.status, row.status_description
    paused = connection.paused_until if connection is not None else None
    if status == "Queued" and paused is not None:
        until = paused if paused.tzinfo is not None else paused.replace(tzinfo=UTC)
        if until > now:
            status, description = "Initial", f"Paused until {_iso(until)}"
    return {
        "id": row.id,
        "companyId": row.company_id,
        "connectionId": row.connection_id,
        "dataType": row.data_type,
        "status": status,
        "statusDescription": description,
        "errorMessage": row.error_message,
        "requested": _iso(row.requested),
        "completed": _iso(row.completed),
        "progress": row.progress,
        "isCompleted": row.status in ("Complete", "NotSupported"),
        "isErrored": row.status
        in ("FetchError", "MapError", "InternalError", "AuthError", "PermissionsError"),
    }
