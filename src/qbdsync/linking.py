"""Linking a QuickBooks company file: companies, connections, credentials and the .qwc file.

Used by the CLI now and the REST API later, so both create exactly the same things.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine

from qbdsync.errors import NotFound
from qbdsync.qbwc.credentials import digest_password, generate_password, generate_username
from qbdsync.qbwc.qwc import QwcFile, render_qwc
from qbdsync.settings import Settings
from qbdsync.store import clients as client_store
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import sync_settings
from qbdsync.store.companies import ConnectionRow
from qbdsync.store.link_tokens import link_secret as _link_secret
from qbdsync.store.link_tokens import link_token as _token
from qbdsync.store.link_tokens import link_url
from qbdsync.store.link_tokens import token_digest as _token_digest


@dataclass(frozen=True, slots=True)
class NewConnection:
    connection: ConnectionRow
    password: str  # shown once; only its digest is stored
    qwc: str


def create_company(
    engine: Engine,
    name: str,
    description: str | None = None,
    *,
    client_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    """A new company, owned by `client_id` (default: the deployment's default client)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if client_id is not None:
            client_store.get_client(conn, client_id)  # NotFound before anything is stored
        owner = client_id or client_store.default_client(conn, now)
        return company_store.create_company(
            conn, name, description, now, client_id=owner, tags=tags
        )


def create_connection(engine: Engine, settings: Settings, company_id: str) -> NewConnection:
    settings.checked_public_url()  # refuse before anything is stored
    password = generate_password()
    with engine.begin() as conn:
        connection = company_store.create_connection(
            conn,
            company_id=company_id,
            username=generate_username(),
            password_digest=digest_password(password),
            now=datetime.now(UTC),
        )
        # Shown once, right now: a link URL cannot reveal it again until it is regenerated.
        company_store.update_connection(
            conn, connection.id, password_revealed_at=connection.created_at
        )
        owner_id = company_store.owner_id(conn)
        company = company_store.get_company(conn, company_id)
        # Rendered before the commit: a .qwc that cannot be made (a name XML cannot hold)
        # leaves no connection whose password nobody was shown.
        qwc = render_qwc(build_qwc(settings, connection, owner_id, company.name))
    queue_first_link(engine, connection, datetime.now(UTC))
    return NewConnection(connection=connection, password=password, qwc=qwc)


def create_linkable_connection(
    engine: Engine, settings: Settings, company_id: str
) -> tuple[ConnectionRow, str]:
    """A connection for the link flow: no password until the SMB user reveals it on the link
    page. Returns the connection and its link URL."""
    settings.checked_public_url()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        connection = company_store.create_connection(
            conn,
            company_id=company_id,
            username=generate_username(),
            password_digest=None,
            now=now,
        )
    queue_first_link(engine, connection, now)
    url = new_link(engine, settings, connection.id)
    with engine.connect() as conn:
        return company_store.get_connection(conn, connection.id), url


def connection_qwc(engine: Engine, settings: Settings, connection_id: str) -> str:
    """The .qwc file of an existing connection (the password is not in it)."""
    with engine.connect() as conn:
        connection = company_store.get_connection(conn, connection_id)
        owner_id = company_store.owner_id(conn)
        company = company_store.get_company(conn, connection.company_id)
    return render_qwc(build_qwc(settings, connection, owner_id, company.name))


def build_qwc(
    settings: Settings, connection: ConnectionRow, owner_id: str, company_name: str
) -> QwcFile:
    app_url = settings.qbwc_url
    parts = urlsplit(app_url)
    return QwcFile(
        app_name=f"{settings.app_name} ({company_name})"[:100],
        app_id="",
        app_url=app_url,
        app_description=settings.app_description,
        app_support=f"{parts.scheme}://{parts.netloc}/support",
        user_name=connection.username,
        owner_id=owner_id,
        file_id=connection.file_id,
        qb_type="QBFS",
        run_every_n_minutes=settings.run_every_minutes,
        is_read_only=False,
        personal_data_pref="pdpOptional",
        unattended_mode_pref="umpOptional",
        auth_flags="0xF",
        notify=False,
        app_display_name=settings.app_name,
        # Unique per connection so QBWC never offers to replace another company's entry.
        app_unique_name=f"{settings.app_name}-{connection.id}",
        style="Document",
    )


def queue_first_link(engine: Engine, connection: ConnectionRow, now: datetime) -> None:
    """Queue the data types whose settings say fetchOnFirstLink."""
    with engine.begin() as conn:
        settings = sync_settings.effective(conn, connection.company_id)
        types = [t for t, s in settings.items() if s.fetch_on_first_link]
        pull_store.queue(
            conn,
            company_id=connection.company_id,
            connection_id=connection.id,
            data_types=types,
            now=now,
        )
        company_store.update_connection(conn, connection.id, next_sync_at=None)


def new_link(engine: Engine, settings: Settings, connection_id: str) -> str:
    """A fresh link URL for a connection (the old one stops working).

    The link is a secret with an expiry; a new one also lets the Web Connector password be
    revealed once more — which replaces it, since only its digest is kept.
    """
    settings.checked_public_url()
    nonce = secrets.token_hex(16)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        company_store.get_connection(conn, connection_id)
        token = _token(_link_secret(conn, settings), connection_id, nonce)
        company_store.update_connection(
            conn,
            connection_id,
            link_nonce=nonce,
            link_token_digest=_token_digest(token),
            link_expires_at=now + timedelta(hours=settings.link_ttl_hours),
            password_revealed_at=None,
        )
        return link_url(conn, settings, connection_id) or ""


def resolve_link(engine: Engine, token: str) -> ConnectionRow:
    """The connection a link URL belongs to; NotFound when unknown, expired or regenerated."""
    with engine.connect() as conn:
        connection = company_store.connection_by_link(conn, _token_digest(token))
    if connection is None:
        raise NotFound("This link is not valid. Ask your provider for a new one.")
    expires = connection.link_expires_at
    if expires is not None and expires <= datetime.now(UTC):
        raise NotFound("This link has expired. Ask your provider for a new one.")
    return connection


def reveal_password(engine: Engine, connection_id: str) -> str | None:
    """Make and return a new Web Connector password, once per link; None if already shown.

    Only the digest is stored, so "showing the password" means setting a new one: a second
    reveal needs a regenerated link, which is a deliberate act of the operator.
    """
    password = generate_password()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        changed = company_store.claim_password_reveal(
            conn, connection_id, digest_password(password), now
        )
    return password if changed else None
