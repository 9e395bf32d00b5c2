"""Linking a QuickBooks company file: companies, connections, credentials and the .qwc file.

Used by the CLI, the REST API and the demo, so all create exactly the same things. Every
action here works on the caller's connection, inside the caller's transaction, and emits its
webhook event there too: a unit of work (say, the API's "create a connection") commits whole or
not at all — no connection without its first-link pulls, link or event, no event without it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Connection

from qbdsync.errors import NotFound
from qbdsync.qbwc.credentials import digest_password, generate_password, generate_username
from qbdsync.qbwc.qwc import QwcFile, render_qwc
from qbdsync.settings import Settings
from qbdsync.store import clients as client_store
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import sync_settings
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.link_tokens import link_secret, link_token, link_url, token_digest
from qbdsync.views import company_reference, connection_event_payload, connection_view
from qbdsync.webhooks import events


@dataclass(frozen=True, slots=True)
class NewConnection:
    connection: ConnectionRow
    password: str  # shown once; only its digest is stored
    qwc: str


def _now() -> datetime:
    return datetime.now(UTC)


def create_company(
    conn: Connection,
    name: str,
    description: str | None = None,
    *,
    client_id: str | None = None,
    tags: dict[str, str] | None = None,
    now: datetime | None = None,
) -> str:
    """A new company, owned by `client_id` (default: the deployment's default client), with
    its company.created event."""
    now = now or _now()
    if client_id is not None:
        client_store.get_client(conn, client_id)  # NotFound before anything is stored
    owner = client_id or client_store.default_client(conn, now)
    company_id = company_store.create_company(
        conn, name, description, now, client_id=owner, tags=tags
    )
    company = company_store.get_company(conn, company_id)
    events.emit(
        conn,
        client_id=owner,
        event_type=events.COMPANY_CREATED,
        payload={"referenceCompany": company_reference(company)},
        company_tags=company.tags,
        now=now,
    )
    return company_id


def create_connection(
    conn: Connection, settings: Settings, company_id: str, *, now: datetime | None = None
) -> NewConnection:
    """A connection with its password (shown once) and .qwc file: the CLI's and the demo's
    way, for an operator who hands both to the SMB user."""
    settings.checked_public_url()  # refuse before anything is stored
    now = now or _now()
    company = company_store.lock_company(conn, company_id)
    password = generate_password()
    connection = company_store.create_connection(
        conn,
        company_id=company_id,
        username=generate_username(),
        password_digest=digest_password(password),
        now=now,
    )
    # Shown once, right now: a link URL cannot reveal it again until it is regenerated.
    company_store.update_connection(conn, connection.id, password_revealed_at=connection.created_at)
    queue_first_link(conn, connection, now)
    connection = company_store.get_connection(conn, connection.id)
    # Rendered before the caller commits: a .qwc that cannot be made (a name XML cannot hold)
    # leaves no connection whose password nobody was shown.
    qwc = render_qwc(build_qwc(settings, connection, company_store.owner_id(conn), company.name))
    emit_connection_event(conn, settings, events.CONNECTION_CREATED, company, connection, now)
    return NewConnection(connection=connection, password=password, qwc=qwc)


def create_linkable_connection(
    conn: Connection, settings: Settings, company_id: str, *, now: datetime | None = None
) -> tuple[ConnectionRow, str]:
    """A connection for the link flow: no password until the SMB user reveals it on the link
    page. Returns the connection and its link URL."""
    settings.checked_public_url()
    now = now or _now()
    company = company_store.lock_company(conn, company_id)
    connection = company_store.create_connection(
        conn,
        company_id=company_id,
        username=generate_username(),
        password_digest=None,
        now=now,
    )
    queue_first_link(conn, connection, now)
    url = new_link(conn, settings, connection.id, now=now)
    connection = company_store.get_connection(conn, connection.id)
    emit_connection_event(conn, settings, events.CONNECTION_CREATED, company, connection, now)
    return connection, url


def emit_connection_event(
    conn: Connection,
    settings: Settings,
    event_type: str,
    company: CompanyRow,
    connection: ConnectionRow,
    now: datetime,
) -> None:
    """Queue a connection.* event describing `connection` as it is now in this transaction."""
    if company.client_id is None:
        return
    events.emit(
        conn,
        client_id=company.client_id,
        event_type=event_type,
        payload=connection_event_payload(company, connection_view(conn, settings, connection)),
        company_tags=company.tags,
        now=now,
    )


def connection_qwc(conn: Connection, settings: Settings, connection_id: str) -> str:
    """The .qwc file of an existing connection (the password is not in it)."""
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


def queue_first_link(conn: Connection, connection: ConnectionRow, now: datetime) -> None:
    """Queue the data types whose settings say fetchOnFirstLink, due at the next poll."""
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


def new_link(
    conn: Connection, settings: Settings, connection_id: str, *, now: datetime | None = None
) -> str:
    """A fresh link URL for a connection (the old one stops working).

    The link is a secret with an expiry; a new one also lets the Web Connector password be
    revealed once more — which replaces it, since only its digest is kept.
    """
    settings.checked_public_url()
    nonce = secrets.token_hex(16)
    now = now or _now()
    company_store.lock_connection(conn, connection_id)
    token = link_token(link_secret(conn, settings), connection_id, nonce)
    company_store.update_connection(
        conn,
        connection_id,
        link_nonce=nonce,
        link_token_digest=token_digest(token),
        link_expires_at=now + timedelta(hours=settings.link_ttl_hours),
        password_revealed_at=None,
    )
    return link_url(conn, settings, connection_id) or ""


def resolve_link(conn: Connection, token: str, *, now: datetime | None = None) -> ConnectionRow:
    """The connection a link URL belongs to; NotFound when unknown, expired or regenerated."""
    connection = company_store.connection_by_link(conn, token_digest(token))
    if connection is None:
        raise NotFound("This link is not valid. Ask your provider for a new one.")
    expires = connection.link_expires_at
    if expires is not None and expires <= (now or _now()):
        raise NotFound("This link has expired. Ask your provider for a new one.")
    return connection


def reveal_password(
    conn: Connection, connection_id: str, *, now: datetime | None = None
) -> str | None:
    """Make and return a new Web Connector password, once per link; None if already shown.

    Only the digest is stored, so "showing the password" means setting a new one: a second
    reveal needs a regenerated link, which is a deliberate act of the operator. The claim is
    one conditional UPDATE, so of two reveals at once exactly one gets a password.
    """
    password = generate_password()
    changed = company_store.claim_password_reveal(
        conn, connection_id, digest_password(password), now or _now()
    )
    return password if changed else None
