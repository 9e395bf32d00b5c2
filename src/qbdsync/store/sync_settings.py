"""Sync settings per data type, per company over deployment-wide defaults: the only SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from qbdsync.store.tables import companies, sync_settings
from qbdsync.sync.datatypes import DEFAULT_SCHEDULE_HOURS, data_types

# A client's (tenant's) own defaults are stored under this key in place of a company id, so
# one tenant's profile never changes another's.
PROFILE_PREFIX = "profile:"


# Bounds of a setting's numbers, the same for the API and the CLI: a year between scheduled
# syncs, a hundred years of history; all inside the INTEGER columns of both databases.
SCHEDULE_HOURS_MAX = 8760
SYNC_ORDER_MAX = 100_000
MONTHS_TO_SYNC_MAX = 1200


def profile_key(client_id: str) -> str:
    return PROFILE_PREFIX + client_id


@dataclass(frozen=True, slots=True)
class SyncSetting:
    data_type: str
    fetch_on_first_link: bool
    sync_schedule_hours: int
    sync_order: int
    sync_from_utc: str | None = None
    months_to_sync: int | None = None
    is_locked: bool = False


def built_in_defaults() -> dict[str, SyncSetting]:
    return {
        t.name: SyncSetting(
            data_type=t.name,
            fetch_on_first_link=t.fetch_on_first_link,
            sync_schedule_hours=DEFAULT_SCHEDULE_HOURS,
            sync_order=t.sync_order,
        )
        for t in data_types().values()
    }


def _stored(conn: Connection, company_id: str) -> dict[str, SyncSetting]:
    rows = conn.execute(
        select(
            sync_settings.c.data_type,
            sync_settings.c.fetch_on_first_link,
            sync_settings.c.sync_schedule_hours,
            sync_settings.c.sync_order,
            sync_settings.c.sync_from_utc,
            sync_settings.c.months_to_sync,
            sync_settings.c.is_locked,
        ).where(sync_settings.c.company_id == company_id)
    )
    return {r[0]: SyncSetting(*r) for r in rows}


def effective(
    conn: Connection, company_id: str | None, *, client_id: str | None = None
) -> dict[str, SyncSetting]:
    """Built-in defaults, overridden by the client's profile, overridden by the company's.

    With a company, its client's profile applies; without one, `client_id`'s profile.
    """
    if company_id and client_id is None:
        client_id = conn.execute(
            select(companies.c.client_id).where(companies.c.id == company_id)
        ).scalar()
    result = built_in_defaults()
    if client_id:
        result.update(
            {k: v for k, v in _stored(conn, profile_key(client_id)).items() if k in result}
        )
    if company_id:
        result.update({k: v for k, v in _stored(conn, company_id).items() if k in result})
    return result


def save(conn: Connection, key: str, settings: list[SyncSetting]) -> None:
    """Replace the stored settings of these data types under a company id or a profile_key."""
    for setting in settings:
        conn.execute(
            delete(sync_settings).where(
                (sync_settings.c.company_id == key)
                & (sync_settings.c.data_type == setting.data_type)
            )
        )
        conn.execute(
            insert(sync_settings).values(
                company_id=key,
                data_type=setting.data_type,
                fetch_on_first_link=setting.fetch_on_first_link,
                sync_schedule_hours=setting.sync_schedule_hours,
                sync_order=setting.sync_order,
                sync_from_utc=setting.sync_from_utc,
                months_to_sync=setting.months_to_sync,
                is_locked=setting.is_locked,
            )
        )


def updated(setting: SyncSetting, **changes: Any) -> SyncSetting:
    return replace(setting, **{k: v for k, v in changes.items() if v is not None})
