"""Settings: one object, read from the environment (prefix QBDSYNC_) only when asked for.

Nothing reads the environment at import time; entry points build a Settings and pass it in.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qbdsync import limits
from qbdsync.errors import ConfigurationError
from qbdsync.limits import RecordLimits, SoapLimits
from qbdsync.networks import parse_networks
from qbdsync.redact import MASK, mask_database_url

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

ENV_PREFIX = "QBDSYNC_"
# The test suite's own variables share the prefix (QBDSYNC_TEST_POSTGRES_URL); not settings.
TEST_PREFIX = "QBDSYNC_TEST_"
# How close a name must be to a setting's to be suggested (difflib's ratio).
SUGGESTION_CUTOFF = 0.75


class Settings(BaseSettings):
    """Deployment-wide settings. Every field can be set as QBDSYNC_<NAME>.

    Each field's description is its entry in docs/configuration.md (`qbdsync
    settings-reference` writes that page; a test keeps it in step). SECTIONS below groups them.
    """

    model_config = SettingsConfigDict(env_prefix="QBDSYNC_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///./qbdsync.db",
        description=(
            "Where qbdsync keeps everything: `sqlite:///PATH` (the embedded default; a relative "
            "path is relative to the current directory) or "
            "`postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE` (`postgres://` too; psycopg 3). "
            "Every node of one deployment uses the same database. Never printed or logged with "
            "its password."
        ),
    )
    public_url: str = Field(
        default="http://localhost:8000",
        description=(
            "The address the Web Connector and SMB users reach this service at (the AppURL of "
            "every .qwc file and the base of link URLs). Must be https, except on "
            "localhost/127.0.0.1: the Web Connector refuses plain http elsewhere."
        ),
    )
    secret_key: str = Field(
        default="",
        description=(
            "Signs link URLs. Set it in production to 32 or more random characters, the same "
            "on every node and across restarts, so that the database alone cannot produce "
            "links; when empty, a secret kept in the database is used. Never printed or logged."
        ),
    )
    link_ttl_hours: float = Field(
        default=24 * 7,
        gt=0,
        description=(
            "A link URL (the SMB user's page with the .qwc file and the password) expires "
            "after this long."
        ),
    )

    # Web Connector behaviour
    app_name: str = Field(
        default="qbdsync",
        description="The application name the Web Connector shows and QuickBooks authorizes.",
    )
    app_description: str = Field(
        default="Keeps your QuickBooks data in sync with qbdsync",
        description="The description in each .qwc file, shown by the Web Connector.",
    )
    run_every_minutes: int = Field(
        default=60,
        ge=1,
        description=(
            "How often the Web Connector polls (the .qwc file's RunEveryNMinutes). A poll "
            "with nothing due is answered at once; data types sync on their own schedules."
        ),
    )
    min_qbwc_version: str = Field(
        default="2.1.0.30",
        description="Web Connector versions older than this are asked to upgrade.",
    )
    max_qbxml_version: str = Field(
        default="16.0",
        description=(
            "The newest qbXML version qbdsync speaks; each connection uses the lower of this "
            "and the newest its QuickBooks supports."
        ),
    )
    ticket_lifetime_seconds: int = Field(
        default=600,
        ge=30,
        le=3600,
        description=(
            "A work ticket must start its session (the first sendRequestXML) within this long "
            "of authenticate. The Web Connector calls it within seconds, or a minute or two "
            "when it has to start QuickBooks; a ticket replayed later starts nothing."
        ),
    )
    session_response_silence_seconds: int = Field(
        default=600,
        ge=30,
        description=(
            "How long a session may wait for QuickBooks' answer to a request before it counts "
            "as abandoned (a crashed or killed Web Connector) and the connection's next "
            "authenticate takes it over. A large page can take QuickBooks minutes."
        ),
    )
    session_call_silence_seconds: int = Field(
        default=120,
        ge=10,
        description=(
            "How long a session may be silent after an answer was received before it counts "
            "as abandoned: the Web Connector calls again within seconds."
        ),
    )

    # Sync engine
    max_returned: int = Field(
        default=1000,
        ge=1,
        le=10_000,
        description="The largest MaxReturned of an iterator's page (it adapts below this).",
    )
    target_page_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description=(
            "Each page of an iterator aims to carry about this much qbXML; MaxReturned "
            "adapts to the size of the records, up to `QBDSYNC_MAX_RETURNED`."
        ),
    )
    watermark_overlap_seconds: int = Field(
        default=3600,
        ge=0,
        description=(
            "Each incremental query starts this many seconds before its watermark: "
            "modified-date filters are inclusive and QuickBooks' offsets drift around "
            "daylight saving."
        ),
    )
    watermark_future_tolerance_seconds: int = Field(
        default=3600,
        ge=0,
        description=(
            "A TimeModified later than the server's clock plus this (read at the record's "
            "own UTC offset, or UTC+14 without one) comes from a PC clock that was wrong: the "
            "record is kept and named in a warning, and no watermark passes that point. Keep "
            "it at most `QBDSYNC_WATERMARK_OVERLAP_SECONDS`."
        ),
    )
    session_time_budget_seconds: float = Field(
        default=300,
        ge=0,
        description=(
            "A sync session ends at a clean point after this long, so QuickBooks is never "
            "locked for long; the rest resumes on the next poll."
        ),
    )
    session_hard_limit_seconds: float = Field(
        default=1800,
        ge=0,
        description=(
            "An open iterator may finish past the time budget (stopping it would repeat its "
            "pages next time), but never past this."
        ),
    )
    sync_mode: Literal["ongoing", "one-time"] = Field(
        default="ongoing",
        description=(
            "`ongoing`: keep syncing on each data type's schedule; `one-time`: after the first "
            "complete sync the connection becomes Deauthorized. Companies may override it."
        ),
    )
    max_pull_attempts: int = Field(
        default=5,
        ge=1,
        description=(
            "A data type QuickBooks keeps refusing with a transient error is retried in this "
            "many sessions, then reported as FetchError."
        ),
    )
    max_push_lock_sessions: int = Field(
        default=10,
        ge=1,
        description=(
            "A push QuickBooks refuses because a record it changes is locked (open in a "
            "window, or edited by another user) is sent again by the next session; after this "
            "many sessions found it locked it fails, naming the record to close."
        ),
    )
    store_batch_size: int = Field(
        default=1000,
        ge=1,
        description="Records written to the database per statement while a page is stored.",
    )
    health_check_max_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        le=300,
        description=(
            "`POST …/healthCheck` holds its answer at most this long waiting for the result "
            "(less when its timeoutInSeconds is shorter), then answers 202 with the check "
            "Pending; proxies cut idle requests at about a minute. The wait holds no database "
            "transaction and no thread."
        ),
    )

    # Hostile-input limits
    max_request_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description="The largest HTTP request body accepted at /qbwc, in bytes.",
    )
    max_credential_chars: int = Field(
        default=limits.CREDENTIAL_CHARS,
        ge=64,
        description=(
            "The longest Web Connector user name or password, in characters; a request past "
            "it is refused with a SOAP fault as soon as the limit is passed."
        ),
    )
    max_hcp_response_chars: int = Field(
        default=limits.HCP_RESPONSE_CHARS,
        ge=64 * 1024,
        description=(
            "The longest strHCPResponse (QuickBooks' host, company and preferences answers) "
            "in characters."
        ),
    )
    max_soap_param_chars: int = Field(
        default=limits.PARAM_CHARS,
        ge=1024,
        description=(
            "The longest other SOAP parameter (tickets, messages, versions) in characters. "
            "The qbXML response is streamed: only `QBDSYNC_MAX_REQUEST_BYTES` bounds it."
        ),
    )
    large_body_slots: int = Field(
        default=limits.LARGE_BODY_SLOTS,
        ge=1,
        description=(
            "Requests whose body is over 64 KB are handled at most this many at a time per "
            "server process."
        ),
    )
    large_body_wait_seconds: float = Field(
        default=limits.LARGE_BODY_WAIT_SECONDS,
        ge=0,
        description=(
            "A large request that finds no free slot within this long gets HTTP 503 with a "
            "SOAP fault."
        ),
    )
    large_body_stall_seconds: float = Field(
        default=limits.LARGE_BODY_STALL_SECONDS,
        gt=0,
        description="A large body that sends nothing for this long is refused, its slot freed.",
    )
    max_record_chars: int = Field(
        default=limits.RECORD_CHARS,
        ge=1024,
        description=(
            "The largest qbXML record (one …Ret element) in characters; a record past it "
            "fails the query that returned it (recorded as that data type's error) and the "
            "session goes on."
        ),
    )
    max_record_elements: int = Field(
        default=limits.RECORD_ELEMENTS,
        ge=10,
        description="The most XML elements in one qbXML record (see `QBDSYNC_MAX_RECORD_CHARS`).",
    )

    # Webhooks
    webhook_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description=(
            "How often due webhook deliveries are looked for (the `webhooks.deliver` job; on "
            "PostgreSQL rounded to whole seconds, minutes or hours)."
        ),
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        description="A webhook delivery fails for good after this many attempts (with backoff).",
    )
    webhook_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description=(
            "Each delivery attempt must be over within this long (the whole exchange, not "
            "each read); the consumer must answer 2xx."
        ),
    )
    webhook_concurrency: int = Field(
        default=4,
        ge=1,
        le=64,
        description=(
            "Deliveries posted at once per process (one per consumer), so that consumers "
            "which hang do not hold up the rest."
        ),
    )
    webhook_allow_private: str = Field(
        default="",
        description=(
            "Webhooks go to public addresses only. Consumers on a private network are allowed "
            "by listing those networks, comma-separated (e.g. `10.0.0.0/8,fd00::/8`); cloud "
            "metadata, multicast and unspecified addresses stay refused whatever it says."
        ),
    )

    # Background jobs
    run_jobs: bool = Field(
        default=True,
        description=(
            "Whether `qbdsync serve` runs the background jobs (webhook delivery, push "
            "time-outs, retention) in its own process. On PostgreSQL every node may: each job "
            "tick runs once across all nodes. Set false on nodes that only serve when a "
            "`qbdsync worker` runs them instead."
        ),
    )
    jobs_concurrency: int = Field(
        default=4,
        ge=2,
        le=64,
        description=(
            "Background jobs one process runs at once (PostgreSQL), so a webhook pass waiting "
            "on slow consumers does not hold up push time-outs."
        ),
    )
    job_stalled_seconds: float = Field(
        default=30.0,
        ge=3,
        le=3600,
        description=(
            "PostgreSQL: a process that has not shown it is alive for this long is taken as "
            "dead, and the jobs it was running are run again by another (it shows it is alive "
            "every third of this)."
        ),
    )
    retention_days: int = Field(
        default=90,
        ge=0,
        le=36500,
        description=(
            "Finished webhook deliveries, finished Web Connector sessions and recorded sync "
            "errors older than this many days are deleted (0: kept for ever)."
        ),
    )

    # Operations: logs and health
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = Field(
        default=None,
        description=(
            "The least severe log records written (to standard error). Unset: `INFO` for "
            "`qbdsync serve`, `WARNING` for the other commands (they print what they did). "
            "SQLAlchemy's statement log is never written: its parameters and rows hold secrets."
        ),
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description=(
            "`text`: one line per record, `TIME LEVEL [PID] LOGGER: MESSAGE`; `json`: one JSON "
            "object per line with `time`, `level`, `logger`, `process`, `message` (and "
            "`exception`; access records add `method`, `path`, `status`, `duration_ms`, "
            "`client`). Times are UTC, ISO 8601, in milliseconds."
        ),
    )
    access_log: bool = Field(
        default=False,
        description=(
            "Log one line per HTTP request (logger `qbdsync.access`, level INFO): method, path "
            "and query (secrets masked), status, duration and client address."
        ),
    )
    readiness_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description=("`/readyz` answers 503 when the database does not answer within this long."),
    )
    metrics_token: str = Field(
        default="",
        description=(
            "When set, `/metrics` answers only a scrape that sends `Authorization: Bearer "
            "<this token>` (Prometheus: `authorization: {credentials: …}`); when empty it is "
            "open, like `/healthz`, and the reverse proxy should refuse it from outside. "
            "Never printed or logged."
        ),
    )
    metrics_dir: str = Field(
        default="",
        description=(
            "The directory where the worker processes of `qbdsync serve` keep their metrics "
            "(prometheus_client's multiprocess mode), emptied at start. Empty: a server with "
            "more than one worker makes a private temporary one and removes it when it stops; "
            "one process keeps its metrics in memory."
        ),
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().upper() or None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("webhook_allow_private")
    @classmethod
    def _networks(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from exc
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # A printed Settings (a log line, a traceback showing locals) hides the secrets.
        for name, value in super().__repr_args__():
            if name == "database_url":
                yield name, mask_database_url(value)
            elif name in ("secret_key", "metrics_token") and value:
                yield name, MASK
            else:
                yield name, value

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def checked_public_url(self) -> str:
        """The AppURL base; QBWC refuses plain http except on the local machine (QBWC1051)."""
        parts = urlsplit(self.public_url)
        if parts.scheme == "https":
            return self.public_url
        if parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS:
            return self.public_url
        raise ConfigurationError(
            f"QBDSYNC_PUBLIC_URL must be https (or http on localhost/127.0.0.1) because the "
            f"Web Connector refuses anything else; got {self.public_url!r}"
        )

    def soap_limits(self) -> SoapLimits:
        return SoapLimits(
            credential_chars=self.max_credential_chars,
            hcp_response_chars=self.max_hcp_response_chars,
            param_chars=self.max_soap_param_chars,
        )

    def record_limits(self) -> RecordLimits:
        return RecordLimits(max_chars=self.max_record_chars, max_elements=self.max_record_elements)

    @property
    def qbwc_url(self) -> str:
        return f"{self.checked_public_url()}/qbwc"


# The reference's sections, by the first field of each (fields keep their declaration order).
SECTIONS: dict[str, str] = {
    "database_url": "Deployment",
    "app_name": "Web Connector",
    "max_returned": "Sync engine",
    "max_request_bytes": "Hostile-input limits",
    "webhook_poll_seconds": "Webhooks",
    "run_jobs": "Background jobs",
    "log_level": "Logs and health",
}


def variable_name(field: str) -> str:
    """The environment variable of a Settings field."""
    return ENV_PREFIX + field.upper()


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each QBDSYNC_* variable in `environ` that is no setting.

    Settings ignore such a variable, so a misspelt QBDSYNC_DATABSE_URL would silently leave the
    database at its default; the warning suggests the setting it is closest to. Names only,
    never values: a value may be a secret.
    """
    known = [variable_name(field) for field in Settings.model_fields]
    warnings = []
    for name in sorted(environ):
        upper = name.upper()  # settings are read case-insensitively
        if not upper.startswith(ENV_PREFIX) or upper in known or upper.startswith(TEST_PREFIX):
            continue
        shown = name if name.isprintable() else ascii(name)
        close = difflib.get_close_matches(upper, known, n=1, cutoff=SUGGESTION_CUTOFF)
        hint = f"did you mean {close[0]}?" if close else "the settings are in docs/configuration.md"
        warnings.append(f"{shown} is not a qbdsync setting and is ignored; {hint}")
    return warnings
