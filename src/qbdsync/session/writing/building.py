"""The requests a push is sent or looked for as: its write (the kind's prepare, built afresh
each time) and the queries made for it (the search for a lost Add, the re-read after 3200)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Final

from sqlalchemy import Connection

from qbdsync.errors import QbdsyncError, RequestBug
from qbdsync.outbox import PushOutcome
from qbdsync.push.kinds import (
    CompanyProfile,
    PrepareRefused,
    PushAction,
    Referenced,
    ValidationIssue,
)
from qbdsync.push.registry import kind_for
from qbdsync.qbxml.requests import QueryRequest, build_request
from qbdsync.qbxml.writes import WriteRequest
from qbdsync.store import companies as company_store
from qbdsync.store.push_lookup import StoreLookup, company_profile
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine

# What a kind's prepare may raise on a payload it cannot turn into a request (a bug, or a
# payload stored by another qbdsync version). Nothing was sent, so failing the push is safe, and
# it must fail: left pending, it would make every poll a working session that breaks on it.
# Database errors are not among them: those end the call and the push is tried again.
UNBUILDABLE: Final = (
    QbdsyncError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    ArithmeticError,
)


def build_write(conn: Connection, engine: SyncEngine, push: PushRow) -> WriteRequest | PushOutcome:
    """The request the push is sent as (built afresh each time, so references to records made
    by earlier pushes resolve), or the failure that says why it never can be."""
    kind = kind_for(push.data_type)
    profile = session_profile(conn, engine, push)
    if kind is None or profile is None:
        return PushOutcome.failure(_cannot_send(push))
    lookup = StoreLookup(conn, push.connection_id)
    action = PushAction(push.action)
    target: Referenced | None = None
    if action is not PushAction.CREATE:
        target = lookup.find(push.data_type, push.record_id or "")
        if target is None:
            issue = ValidationIssue(
                "id",
                f"The {push.data_type} record {push.record_id} no longer exists in QuickBooks "
                "(it was deleted since the push was queued), so nothing was sent.",
                "ReferenceExists",
            )
            return PushOutcome.failure(issue.message, [issue])
    try:
        return kind.prepare(
            action,
            push.payload,
            profile,
            lookup,
            request_id=str(push.seq),
            external_guid=push.external_guid,
            target=target,
        ).request
    except PrepareRefused as refused:
        return PushOutcome.failure(str(refused), refused.issues)
    except UNBUILDABLE as exc:
        return PushOutcome.failure(unbuildable(exc))


def rebuilt_write(conn: Connection, engine: SyncEngine, push: PushRow) -> WriteRequest | None:
    """The request the push is sent as, built again to read its fields (None when it cannot
    be: then there is nothing to look for)."""
    built = build_write(conn, engine, push)
    return None if isinstance(built, PushOutcome) else built


def unbuildable(exc: Exception) -> str:
    return f"qbdsync could not build the QuickBooks request for this push: {exc}"


def session_profile(conn: Connection, engine: SyncEngine, push: PushRow) -> CompanyProfile | None:
    """The company file as the push is written for it, in the qbXML version this session
    speaks (None before a first sync stored one)."""
    connection = company_store.get_connection(conn, push.connection_id)
    profile = company_profile(conn, connection)
    if profile is None:
        return None
    return replace(profile, qbxml_version=engine.state.qbxml_version)


def _cannot_send(push: PushRow) -> str:
    return f"qbdsync cannot send a {push.action} of {push.data_type} to this company file."


def query_id(push: PushRow) -> str:
    """The requestID of the queries made for `push` (its write's is its seq), so an answer is
    told apart from the write's."""
    return f"q{push.seq}"


def build_query(
    version: str, push: PushRow, name: str, filters: tuple[tuple[str, Any], ...]
) -> str | None:
    """A ``{name}QueryRq`` for the push, or None when the version or kind has no such query."""
    try:
        return build_request(version, QueryRequest(f"{name}QueryRq", query_id(push), filters))
    except (RequestBug, KeyError):
        return None


def field_value(fields: Iterable[tuple[str, Any]], name: str) -> Any:
    """The value of the field `name` in a request's fields, or None."""
    for key, value in fields:
        if key == name:
            return value
    return None
