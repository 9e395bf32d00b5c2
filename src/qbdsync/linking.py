"""Linking a QuickBooks company file: companies, connections, credentials and the .qwc file.

Used by the CLI now and the REST API later, so both create exactly the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine

from qbdsync.qbwc.credentials import digest_password, generate_password, generate_username
from qbdsync.qbwc.qwc import QwcFile, render_qwc
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import sync_settings
from qbdsync.store.companies import ConnectionRow


@dataclass(frozen=True, slots=True)
class NewConnection:
    connection: ConnectionRow
    password: str  # shown once; only its digest is stored
    qwc: str


def create_company(engine: Engine, name: str, description: str | None = None) -> str:
    with engine.begin() as conn:
        return company_store.create_company(conn, name, description, datetime.now(UTC))


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
        owner_id = company_store.owner_id(conn)
        company = company_store.get_company(conn, company_id)
    qwc = render_qwc(build_qwc(settings, connection, owner_id, company.name))
    queue_first_link(engine, connection, datetime.now(UTC))
    return NewConnection(connection=connection, password=password, qwc=qwc)


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
