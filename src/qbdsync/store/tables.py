"""The schema, as SQLAlchemy Core tables. Alembic migrations in store/migrations follow it.

Records of every data type share one table keyed by (connection, data type, QuickBooks id): the
raw parsed qbXML and the Codat-shaped JSON sit side by side, so a mapping fix can be replayed
from raw data without asking QuickBooks again.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from qbdsync.store.types import UtcDateTime

# The widest key values a record row holds, as the engine checks them (see sync/output.py).
from qbdsync.sync.output import EDIT_SEQUENCE_CHARS, RECORD_ID_CHARS, SOURCE_MODIFIED_CHARS

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# Every moment is stored and read as aware UTC, on SQLite as on PostgreSQL (see store/types.py).
UTC_DATETIME = UtcDateTime()
# "2026-12-02T19:48:48Z": Codat's modifiedDate as the store writes it.
MODIFIED_DATE_CHARS = 20
# JSONB on PostgreSQL so API queries can index into records; JSON text on SQLite.
JSON_DOC = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# Deployment-wide values that must never change once made (the Web Connector OwnerID).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# A tenant of the API: every company, connection, webhook and API key belongs to one client, and
# a client never sees another's.
clients = Table(
    "clients",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UTC_DATETIME, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    # SHA-256 of a generated 256-bit key: one indexed lookup per API call (no argon2: the key is
    # random, not chosen by a person).
    Column("key_digest", LargeBinary(32), nullable=False, unique=True),
    Column("key_hint", String(12), nullable=False),  # the first characters, for listings
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("revoked_at", UTC_DATETIME, nullable=True),
    Index(None, "client_id"),
)

companies = Table(
    "companies",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=True),
    Column("tags", JSON_DOC, nullable=True),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=True),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("updated_at", UTC_DATETIME, nullable=False),
    # "one-time" or "ongoing"; NULL follows the deployment default.
    Column("sync_mode", String(16), nullable=True),
    # Optional window outside which no sync starts, e.g. "19:00-07:00" on "Mon-Fri", read in
    # the company's IANA time zone, so QuickBooks is not locked while people work.
    Column("sync_window", String(16), nullable=True),
    Column("sync_window_days", String(32), nullable=True),
    Column("timezone", String(64), nullable=True),
)

connections = Table(
    "connections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
    # The Web Connector user name; the idle-poll hot path looks connections up by it.
    Column("username", String(64), nullable=False, unique=True),
    # SHA-256 of a generated 128-bit+ secret (see qbwc/credentials.py for why not argon2);
    # NULL until the password is first revealed on the link page.
    Column("password_digest", LargeBinary(32), nullable=True),
    Column("file_id", String(38), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("linked_at", UTC_DATETIME, nullable=True),
    Column("last_sync_at", UTC_DATETIME, nullable=True),
    # When the next scheduled sync is due; NULL means work is due now.
    Column("next_sync_at", UTC_DATETIME, nullable=True),
    Column("qb_product", String(255), nullable=True),
    Column("qb_country", String(2), nullable=True),
    Column("qbxml_version", String(16), nullable=True),
    Column("company_file", Text, nullable=True),
    Column("last_error", Text, nullable=True),
    # While in the future, authenticate answers "none" and QBWC shows "Paused until …".
    Column("paused_until", UTC_DATETIME, nullable=True),
    # The link URL is a secret with an expiry: only its digest is kept; regenerating it allows
    # the Web Connector password to be revealed (and so rotated) once more.
    Column("link_token_digest", LargeBinary(32), nullable=True, unique=True),
    # The link token is HMAC(secret key, connection id + nonce): the API can show linkUrl again,
    # but the database alone cannot produce it when QBDSYNC_SECRET_KEY is set.
    Column("link_nonce", String(32), nullable=True),
    Column("link_expires_at", UTC_DATETIME, nullable=True),
    Column("password_revealed_at", UTC_DATETIME, nullable=True),
    # How many of its push operations are Pending, kept by every push transaction: a pending
    # push makes the next poll a working session, and authenticate reads this, not the pushes.
    Column("pending_pushes", Integer, nullable=False, server_default="0"),
    # Until then a health check waits for the connector (the latest timeout among the unsent
    # ones; NULL: none waits): like a pending push it makes the next poll a working session,
    # and authenticate reads this, not the health checks.
    Column("health_check_until", UTC_DATETIME, nullable=True),
    # The connector's last call of any kind (authenticate onwards), and the end of its last
    # session that completed its work. Written coalesced (at most about once a minute per
    # connection and server process, batched off the request path: qbwc/polls.py), so idle
    # polls stay cheap; a connection's health is worked out from them when it is read.
    Column("last_request_at", UTC_DATETIME, nullable=True),
    Column("last_successful_request_at", UTC_DATETIME, nullable=True),
    # The health state last announced (connection.health.changed) and since when: kept by the
    # background worker's health watch, so each change is sent once whichever node sees it.
    Column("health_state", String(16), nullable=True),
    Column("health_changed_at", UTC_DATETIME, nullable=True),
    Index(None, "company_id"),
)

qbwc_sessions = Table(
    "qbwc_sessions",
    metadata,
    Column("ticket", String(128), primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    # A SessionStatus: active | complete | closed | failed | abandoned (silent, taken over)
    Column("status", String(16), nullable=False),
    Column("created_at", UTC_DATETIME, nullable=False),
    # When the Web Connector was last heard from (or last answered): the silence that tells a
    # live session from an abandoned one is measured from here.
    Column("updated_at", UTC_DATETIME, nullable=False),
    # The sans-IO engine's state between SOAP calls, so any server process can answer any call.
    Column("state", JSON_DOC, nullable=True),
    # The session's next qbXML request, prepared when the previous response was taken (so a
    # round trip reads and writes the state once), and then given to QuickBooks: a repeated
    # sendRequestXML gets it again.
    Column("pending_request", Text, nullable=True),
    # Whether pending_request was handed out: only then is QuickBooks working on it (the
    # session is in flight and may be silent as long as QuickBooks takes to answer); a
    # prepared one waits for the driver's next call.
    Column("request_sent", Boolean, nullable=False, server_default=false()),
    Column("last_error", Text, nullable=True),
    Column("close_message", Text, nullable=True),
    Index(None, "connection_id", "status"),
    # At most one active session per connection, whatever the number of server processes: of
    # two Web Connectors racing to start one, the database lets exactly one in.
    Index(
        "uq_qbwc_sessions_one_active",
        "connection_id",
        unique=True,
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
)

records = Table(
    "records",
    metadata,
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("data_type", String(40), primary_key=True),
    Column("record_id", String(RECORD_ID_CHARS), primary_key=True),
    Column("edit_sequence", String(EDIT_SEQUENCE_CHARS), nullable=True),
    # QuickBooks' TimeModified exactly as sent (local time with its offset).
    Column("source_modified", String(SOURCE_MODIFIED_CHARS), nullable=True),
    Column("is_deleted", Boolean, nullable=False, default=False),
    # Our time of the last change to this row (Codat's modifiedDate).
    Column("modified_at", UTC_DATETIME, nullable=False),
    Column("raw", JSON_DOC, nullable=False),
    Column("data", JSON_DOC, nullable=True),
    # Set when the raw record could not be mapped exactly: either not mapped at all (data is
    # null) or mapped with a field left empty (an unknown currency); the raw record is kept.
    Column("mapping_error", Text, nullable=True),
    # data.modifiedDate exactly (null where data is): API lists sort by it from an index.
    Column("modified_date", String(MODIFIED_DATE_CHARS), nullable=True),
    # The API lists only mapped records, in pages sorted by id (the record id, the default)
    # or modifiedDate. Partial indexes over exactly those rows let a page and its count come
    # from the index; on PostgreSQL their text columns are COLLATE "C" (code-point order, the
    # order of JSON strings), which the migration sets as metadata cannot say it per dialect.
    Index(
        "ix_records_listed",
        "connection_id",
        "data_type",
        "record_id",
        sqlite_where=text("data IS NOT NULL"),
        postgresql_where=text("data IS NOT NULL"),
    ),
    Index(
        "ix_records_listed_modified",
        "connection_id",
        "data_type",
        "modified_date",
        "record_id",
        sqlite_where=text("data IS NOT NULL"),
        postgresql_where=text("data IS NOT NULL"),
    ),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("dataset", String(40), primary_key=True),
    # Highest TimeModified seen, as QuickBooks gave it (never converted to UTC).
    Column("value", String(32), nullable=False),
    Column("updated_at", UTC_DATETIME, nullable=False),
)

sync_errors = Table(
    "sync_errors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("ticket", String(128), nullable=True),
    Column("occurred_at", UTC_DATETIME, nullable=False),
    Column("dataset", String(40), nullable=True),
    Column("status_code", Integer, nullable=True),
    Column("hresult", String(16), nullable=True),
    Column("recovery", String(32), nullable=False),
    # The cause, without the ids it happened to: one row per response and cause, however many
    # records it hit (a bad response must not write a row per record).
    Column("message", Text, nullable=False),
    Column("count", Integer, nullable=False, server_default="1"),
    # The first few things it happened to (record ids, requestIDs), as a JSON list of strings.
    Column("sample", JSON_DOC, nullable=True),
    Index(None, "connection_id", "occurred_at"),
)

# One pull operation per queued (or scheduled) sync of one data type on one connection, with
# Codat's statuses: Queued → Fetching → Complete / FetchError / NotSupported / …
pull_operations = Table(
    "pull_operations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("data_type", String(40), nullable=False),
    Column("status", String(24), nullable=False),
    Column("status_description", Text, nullable=True),
    Column("error_message", Text, nullable=True),
    Column("requested", UTC_DATETIME, nullable=False),
    Column("completed", UTC_DATETIME, nullable=True),
    Column("progress", Integer, nullable=False, default=0),
    # Sessions that tried and must try again (QuickBooks busy); capped so nothing loops.
    Column("attempts", Integer, nullable=False, default=0),
    Column("ticket", String(128), nullable=True),
    Column("records", Integer, nullable=False, default=0),
    # Datasets already completed for this operation in earlier sessions: a later session
    # skips them, so a type fetched over several sessions always makes progress.
    Column("datasets_done", JSON_DOC, nullable=True),
    Index(None, "connection_id", "status"),
    Index(None, "company_id", "requested"),
)

# Sync settings per data type, for a company or (key "profile:<client id>") a client's defaults.
sync_settings = Table(
    "sync_settings",
    metadata,
    Column("company_id", String(64), primary_key=True),
    Column("data_type", String(40), primary_key=True),
    Column("fetch_on_first_link", Boolean, nullable=False),
    Column("sync_schedule_hours", Integer, nullable=False),
    Column("sync_order", Integer, nullable=False),
    Column("sync_from_utc", String(32), nullable=True),
    Column("months_to_sync", Integer, nullable=True),
    Column("is_locked", Boolean, nullable=False, default=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", JSON_DOC, nullable=False),
    # Only companies carrying all these tags trigger this consumer ({} = every company).
    Column("company_tags", JSON_DOC, nullable=True),
    Column("description", Text, nullable=True),
    # The signing key (whsec_…). HMAC needs the key itself, so unlike passwords it is stored as
    # is; it only proves deliveries came from this deployment.
    Column("secret", String(80), nullable=False),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Index(None, "client_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("webhook_id", ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("payload", JSON_DOC, nullable=False),
    Column("status", String(16), nullable=False),  # pending | succeeded | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTC_DATETIME, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTC_DATETIME, nullable=False),
    Column("delivered_at", UTC_DATETIME, nullable=True),
    # While a worker posts the delivery: the end of its claim (replay waits for it).
    Column("leased_until", UTC_DATETIME, nullable=True),
    Index(None, "status", "next_attempt_at"),
    Index(None, "webhook_id", "created_at"),
)

# One push operation (a write into QuickBooks) per create, update or delete asked through the API,
# with Codat's statuses: Pending → Success / Failed / TimedOut.
push_operations = Table(
    "push_operations",
    metadata,
    # Creation order. A push can only depend on pushes made before it, so this is also an order
    # in which every prerequisite comes first: the outbox sends a connection's pushes by it.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("push_key", String(36), nullable=False, unique=True),
    Column("company_id", ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("data_type", String(40), nullable=False),
    Column("action", String(8), nullable=False),  # Create | Update | Delete
    # The Codat-shaped payload as accepted (a create's carries its provisional id).
    Column("payload", JSON_DOC, nullable=False),
    # The QuickBooks id an update or delete changes (or the provisional id of a pending create).
    Column("record_id", String(RECORD_ID_CHARS), nullable=True),
    # Handed out when a create is queued, so later payloads can refer to the record before
    # QuickBooks has made it; resolves to result_record_id once it has.
    Column("provisional_id", String(RECORD_ID_CHARS), nullable=True, unique=True),
    # Stamped on the Add, so after a lost response the record can be found in QuickBooks.
    Column("external_guid", String(38), nullable=True),
    Column("status", String(16), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("validation", JSON_DOC, nullable=True),  # {errors: [...], warnings: [...]}
    Column("changes", JSON_DOC, nullable=True),  # [{type, recordRef: {id, dataType}}]
    Column("requested_at", UTC_DATETIME, nullable=False),
    Column("completed_at", UTC_DATETIME, nullable=True),
    Column("timeout_in_minutes", Integer, nullable=True),
    # requested_at + timeout: a push still unsent then becomes TimedOut and is never sent.
    Column("expires_at", UTC_DATETIME, nullable=True),
    Column("force_update", Boolean, nullable=False, default=False),
    # The push keys this one waits for (a customer before its invoice), as a JSON list.
    Column("depends_on", JSON_DOC, nullable=True),
    # Set by the session that sends it: the message set it travels in, when, how many times.
    Column("message_set_id", String(64), nullable=True),
    Column("sent_at", UTC_DATETIME, nullable=True),
    # Sends QuickBooks may have applied (a send it refused as locked is not counted)...
    Column("attempts", Integer, nullable=False, default=0),
    # ...and the sessions that found a record it changes locked (it fails after a setting's
    # number of them, rather than keep every poll a working session).
    Column("lock_retries", Integer, nullable=False, default=0, server_default="0"),
    # The QuickBooks id of the record the push made or changed (a provisional id resolves here).
    Column("result_record_id", String(RECORD_ID_CHARS), nullable=True),
    Index(None, "connection_id", "status", "seq"),
    Index(None, "company_id", "requested_at"),
    # The timeout sweep: pending pushes whose time is up, across connections.
    Index(None, "status", "expires_at"),
)

# A health check asked for on demand: a tiny request (HostQuery + CompanyQuery) the next poll
# sends first, or the reason it failed before it could be sent (QuickBooks could not be opened,
# the wrong company file is open). Kept per connection for the API's "last result".
health_checks = Table(
    "health_checks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("connection_id", ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),  # a HealthCheckStatus
    Column("requested_at", UTC_DATETIME, nullable=False),
    Column("timeout_seconds", Integer, nullable=False),
    # requested_at + timeout: still Pending then, the check is TimedOut.
    Column("expires_at", UTC_DATETIME, nullable=False),
    # The session that sent the check's request, and when: its answer settles the check.
    Column("session_ticket", String(128), nullable=True),
    Column("sent_at", UTC_DATETIME, nullable=True),
    Column("completed_at", UTC_DATETIME, nullable=True),
    # Why it failed: the code the connector reported (an hresult, a qbXML status code, a
    # qbdsync:… code) and the message with it; the catalogue explains the code when shown.
    Column("code", String(64), nullable=True),
    Column("message", Text, nullable=True),
    # What QuickBooks said about itself when it answered (product, company name).
    Column("answer", JSON_DOC, nullable=True),
    Index(None, "connection_id", "requested_at"),
    Index(None, "session_ticket"),
)
