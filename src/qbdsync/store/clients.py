"""API tenants (clients) and their API keys: the only SQL for them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from qbdsync.errors import NotFound
from qbdsync.store.tables import api_keys, clients, meta

DEFAULT_CLIENT_KEY = "default_client_id"


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: str
    client_id: str
    name: str
    key_hint: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: str
    name: str
    created_at: datetime


def digest_key(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def create_client(conn: Connection, name: str, now: datetime) -> str:
    client_id = str(uuid.uuid4())
    conn.execute(insert(clients).values(id=client_id, name=name, created_at=now))
    return client_id


def default_client(conn: Connection, now: datetime) -> str:
    """The tenant of a single-tenant deployment (what the CLI works in by default).

    Made on first use. Two first uses at once (two CLI commands, or the demo beside one) must
    agree on one: the id is claimed in `meta` with an insert that yields to a row already
    there (PostgreSQL waits for the other transaction to commit first), and only the winner
    creates the client row, in the same transaction.
    """
    value = conn.execute(select(meta.c.value).where(meta.c.key == DEFAULT_CLIENT_KEY)).scalar()
    if value is not None:
        return str(value)
    candidate = str(uuid.uuid4())
    claim = (pg_insert(meta) if conn.dialect.name == "postgresql" else sqlite_insert(meta)).values(
        key=DEFAULT_CLIENT_KEY, value=candidate
    )
    conn.execute(claim.on_conflict_do_nothing(index_elements=[meta.c.key]))
    client_id = str(
        conn.execute(select(meta.c.value).where(meta.c.key == DEFAULT_CLIENT_KEY)).scalar_one()
    )
    if client_id == candidate:
        conn.execute(insert(clients).values(id=client_id, name="default", created_at=now))
    return client_id


def list_clients(conn: Connection) -> list[ClientRow]:
    rows = conn.execute(
        select(clients.c.id, clients.c.name, clients.c.created_at).order_by(
            clients.c.created_at, clients.c.id
        )
    )
    return [ClientRow(*row) for row in rows]


def get_client(conn: Connection, client_id: str) -> str:
    name = conn.execute(select(clients.c.name).where(clients.c.id == client_id)).scalar()
    if name is None:
        raise NotFound(f"no client with id {client_id}")
    return str(name)


def create_api_key(
    conn: Connection, client_id: str, name: str, now: datetime
) -> tuple[str, ApiKeyRow]:
    """A new key (returned once, stored as a SHA-256 digest: it is random, so no KDF)."""
    get_client(conn, client_id)
    key = secrets.token_urlsafe(32)
    row = ApiKeyRow(str(uuid.uuid4()), client_id, name, key[:6], now)
    conn.execute(
        insert(api_keys).values(
            id=row.id,
            client_id=client_id,
            name=name,
            key_digest=digest_key(key),
            key_hint=row.key_hint,
            created_at=now,
        )
    )
    return key, row


_KEY_LOOKUP = select(api_keys.c.client_id).where(
    (api_keys.c.key_digest == bindparam("digest")) & api_keys.c.revoked_at.is_(None)
)


def client_for_key(conn: Connection, key: str) -> str | None:
    value = conn.execute(_KEY_LOOKUP, {"digest": digest_key(key)}).scalar()
    return str(value) if value is not None else None


def list_api_keys(conn: Connection, client_id: str | None) -> list[ApiKeyRow]:
    """The live keys of one client, or of every client (an operator's view) when None."""
    query = (
        select(
            api_keys.c.id,
            api_keys.c.client_id,
            api_keys.c.name,
            api_keys.c.key_hint,
            api_keys.c.created_at,
        )
        .where(api_keys.c.revoked_at.is_(None))
        .order_by(api_keys.c.created_at, api_keys.c.id)
    )
    if client_id is not None:
        query = query.where(api_keys.c.client_id == client_id)
    return [ApiKeyRow(*r) for r in conn.execute(query)]


def revoke_api_key(conn: Connection, client_id: str | None, key_id: str, now: datetime) -> None:
    """Revoke a live key of `client_id` (of any client when None); NotFound otherwise."""
    query = update(api_keys).where(api_keys.c.id == key_id).where(api_keys.c.revoked_at.is_(None))
    if client_id is not None:
        query = query.where(api_keys.c.client_id == client_id)
    result = conn.execute(query.values(revoked_at=now))
    if not result.rowcount:
        raise NotFound(f"no API key with id {key_id}")
