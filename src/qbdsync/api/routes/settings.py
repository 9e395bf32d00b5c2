"""Sync settings (company and profile) and API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from qbdsync.api.auth import CallerDep
from qbdsync.api.deps import company_of, engine_of, now
from qbdsync.api.errors import ApiError
from qbdsync.api.models import (
    ApiKeyDetails,
    ApiKeys,
    CompanySyncSettings,
    CompanySyncSettingsRequest,
    CreateApiKey,
    ProfileSyncSettings,
    ProfileSyncSettingsRequest,
    SyncSettingRequest,
)
from qbdsync.api.shapes import iso
from qbdsync.store import clients as client_store
from qbdsync.store import sync_settings
from qbdsync.sync.datatypes import data_types
from qbdsync.views import internal_data_type
from qbdsync.views import sync_setting_view as _view

router = APIRouter(tags=["Settings"])


def _views(current: dict[str, sync_settings.SyncSetting]) -> list[dict[str, Any]]:
    """The settings of Codat's data types, in sync order.

    Codat's SDKs check `dataType` against Codat's list of data types, so the types qbdsync keeps
    only for operators (terms, employees, …) are left out here; they keep their settings, which
    `qbdsync sync settings` and a POST naming them still change.
    """
    known = data_types()
    shown = [
        s for s in current.values() if s.data_type in known and not known[s.data_type].raw_only
    ]
    return [_view(s) for s in sorted(shown, key=lambda s: s.sync_order)]


def _parse(settings: list[SyncSettingRequest]) -> list[sync_settings.SyncSetting]:
    known = data_types()
    parsed = []
    for s in settings:
        data_type = internal_data_type(s.dataType)
        if data_type not in known:
            raise ApiError(400, f"unknown dataType {s.dataType!r}", can_be_retried="False")
        if s.syncSchedule < 0:
            raise ApiError(400, "syncSchedule must be 0 or more hours", can_be_retried="False")
        parsed.append(
            sync_settings.SyncSetting(
                data_type=data_type,
                fetch_on_first_link=s.fetchOnFirstLink,
                sync_schedule_hours=s.syncSchedule,
                sync_order=s.syncOrder,
                sync_from_utc=s.syncFromUtc,
                months_to_sync=s.monthsToSync or s.syncFromWindow,
                is_locked=bool(s.isLocked),
            )
        )
    return parsed


@router.get(
    "/companies/{companyId}/syncSettings",
    response_model=CompanySyncSettings,
    summary="Get a company's sync settings",
)
def company_settings(request: Request, caller: CallerDep, companyId: str) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
        current = sync_settings.effective(conn, companyId)
    return {
        "companyId": companyId,
        "settings": _views(current),
        "overridesDefaults": True,
    }


@router.post(
    "/companies/{companyId}/syncSettings",
    status_code=204,
    summary="Set a company's sync settings (per data type)",
)
def set_company_settings(
    request: Request,
    caller: CallerDep,
    companyId: str,
    body: CompanySyncSettingsRequest,
) -> Response:
    if body.companyId != companyId:
        raise ApiError(400, "companyId in the body must match the path", can_be_retried="False")
    with engine_of(request).begin() as conn:
        company_of(conn, caller, companyId)
        sync_settings.save(conn, companyId, _parse(body.settings))
    return Response(status_code=204)


@router.get(
    "/profile/syncSettings",
    response_model=ProfileSyncSettings,
    summary="Get the deployment-wide default sync settings",
)
def profile_settings(request: Request, caller: CallerDep) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        current = sync_settings.effective(conn, None, client_id=caller.client_id)
    return {
        "clientId": caller.client_id,
        "settings": _views(current),
        "overridesDefaults": True,
    }


@router.post("/profile/syncSettings", status_code=204, summary="Set default sync settings")
def set_profile_settings(
    request: Request, caller: CallerDep, body: ProfileSyncSettingsRequest
) -> Response:
    with engine_of(request).begin() as conn:
        sync_settings.save(conn, sync_settings.profile_key(caller.client_id), _parse(body.settings))
    return Response(status_code=204)


@router.get("/apiKeys", response_model=ApiKeys, tags=["Settings"], summary="List API keys")
def list_keys(request: Request, caller: CallerDep) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        rows = client_store.list_api_keys(conn, caller.client_id)
    return {
        "results": [
            {
                "id": r.id,
                "name": r.name,
                "apiKey": f"{r.key_hint}…",
                "createdDate": iso(r.created_at),
            }
            for r in rows
        ]
    }


@router.post(
    "/apiKeys",
    response_model=ApiKeyDetails,
    status_code=201,
    summary="Create an API key (shown once)",
)
def create_key(request: Request, caller: CallerDep, body: CreateApiKey) -> dict[str, Any]:
    with engine_of(request).begin() as conn:
        key, row = client_store.create_api_key(conn, caller.client_id, body.name or "", now())
    return {"id": row.id, "name": row.name, "apiKey": key, "createdDate": iso(row.created_at)}


@router.delete("/apiKeys/{apiKeyId}", status_code=204, summary="Revoke an API key")
def delete_key(request: Request, caller: CallerDep, apiKeyId: str) -> Response:
    with engine_of(request).begin() as conn:
        client_store.revoke_api_key(conn, caller.client_id, apiKeyId, now())
    return Response(status_code=204)
