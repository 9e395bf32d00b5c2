"""Settings: one object, read from the environment (prefix QBDSYNC_) only when asked for.

Nothing reads the environment at import time; entry points build a Settings and pass it in.
"""

from __future__ import annotations

from collections.abc import Iterator
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


class Settings(BaseSettings):
    """Deployment-wide settings. Every field can be set as QBDSYNC_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="QBDSYNC_", extra="ignore", frozen=True)

    database_url: str = "sqlite:///./qbdsync.db"
    public_url: str = "http://localhost:8000"

    # Web Connector behaviour
    app_name: str = "qbdsync"
    app_description: str = "Keeps your QuickBooks data in sync with qbdsync"
    run_every_minutes: int = Field(default=60, ge=1)
    min_qbwc_version: str = "2.1.0.30"
    # Newest qbXML version we speak; negotiation takes min(ours, QuickBooks').
    max_qbxml_version: str = "16.0"

    # Sync engine
    max_returned: int = Field(default=1000, ge=1, le=10_000)
    # Modified-date filters are inclusive and QuickBooks' offsets drift around DST, so each
    # incremental query starts this many seconds before the watermark's wall-clock time.
    watermark_overlap_seconds: int = Field(default=3600, ge=0)
    # A TimeModified later than the server's clock plus this (read at the record's own UTC
    # offset, which QuickBooks gets wrong by an hour around daylight saving; at UTC+14 when it
    # has none) comes from a PC clock that was wrong: the record is kept and named in a
    # warning, and no watermark passes that point. Keep it at most the overlap above, or the
    # next query (clamp minus overlap) would start after changes made in between.
    watermark_future_tolerance_seconds: int = Field(default=3600, ge=0)
    # A work ticket must start its session (the first sendRequestXML) within this long of
    # authenticate; QBWC calls it within seconds, or a minute or two when it has to start
    # QuickBooks. A ticket replayed later starts nothing and the next update starts fresh.
    ticket_lifetime_seconds: int = Field(default=600, ge=30, le=3600)
    # How long a session may be silent before it counts as abandoned (a crashed or killed Web
    # Connector) and the next authenticate of the same connection takes it over. While
    # QuickBooks works on a request (sendRequestXML answered, receiveResponseXML not yet
    # received) silence is normal: a large page can take QuickBooks minutes.
    session_response_silence_seconds: int = Field(default=600, ge=30)
    # After receiveResponseXML is answered QBWC calls sendRequestXML (or closeConnection)
    # within seconds, so a longer silence there means the Web Connector is gone.
    session_call_silence_seconds: int = Field(default=120, ge=10)
    # A sync session ends at a clean point after this long, so QuickBooks is never locked for
    # long; the rest resumes on the next poll.
    session_time_budget_seconds: float = Field(default=300, ge=0)
    # An open iterator may finish past the budget (stopping it would repeat its pages next
    # time), but never past this hard limit.
    session_hard_limit_seconds: float = Field(default=1800, ge=0)
    # "ongoing": keep syncing on each data type's schedule; "one-time": after the first
    # complete sync the connection becomes Deauthorized. Companies may override it.
    sync_mode: Literal["ongoing", "one-time"] = "ongoing"
    # A data type QuickBooks keeps refusing with a transient error is retried in this many
    # sessions, then reported as FetchError: nothing loops forever.
    max_pull_attempts: int = Field(default=5, ge=1)
    # A push QuickBooks refuses because a record it changes is locked (open in a window, or
    # being edited by another user) is sent again by the next session; after this many sessions
    # found it locked it fails, saying which record to close: without a timeoutInMinutes it
    # would otherwise make every poll a working session forever.
    max_push_lock_sessions: int = Field(default=10, ge=1)
    # Each page of an iterator aims to carry about this much qbXML; MaxReturned adapts to the
    # size of the records (max_returned stays the ceiling).
    target_page_bytes: int = Field(default=1_000_000, ge=10_000)

    # Hostile-input limits
    max_request_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    # A SOAP parameter is read whole before it is checked, so each has a length limit, in
    # characters; a request past one is refused (a fault) as soon as the limit is passed. The
    # qbXML `response` is streamed, so only max_request_bytes bounds it.
    max_credential_chars: int = Field(default=limits.CREDENTIAL_CHARS, ge=64)
    max_hcp_response_chars: int = Field(default=limits.HCP_RESPONSE_CHARS, ge=64 * 1024)
    max_soap_param_chars: int = Field(default=limits.PARAM_CHARS, ge=1024)
    # Requests whose body is over 64 KB are handled at most this many at a time per server
    # process; one that finds no free slot within the wait gets HTTP 503 with a SOAP fault.
    large_body_slots: int = Field(default=limits.LARGE_BODY_SLOTS, ge=1)
    large_body_wait_seconds: float = Field(default=limits.LARGE_BODY_WAIT_SECONDS, ge=0)
    # A large body that sends nothing for this long is refused and its slot given back.
    large_body_stall_seconds: float = Field(default=limits.LARGE_BODY_STALL_SECONDS, gt=0)
    # One qbXML record is held whole while it is read; a record past these limits fails the
    # query that returned it (recorded as that data type's error) and the session goes on.
    max_record_chars: int = Field(default=limits.RECORD_CHARS, ge=1024)
    max_record_elements: int = Field(default=limits.RECORD_ELEMENTS, ge=10)

    # Signs link URLs. Set it in production (32+ random characters) so that the database alone
    # cannot produce them; when empty, a secret kept in the database is used.
    secret_key: str = ""
    # A link URL (the SMB user's page with the .qwc and password) expires after this long.
    link_ttl_hours: float = Field(default=24 * 7, gt=0)

    # Store
    store_batch_size: int = Field(default=1000, ge=1)

    # POST …/healthCheck holds its answer at most this long waiting for the result (less when
    # its timeoutInSeconds is shorter), then answers 202 with the check Pending; proxies cut
    # idle requests at about a minute. The wait holds no database transaction and no thread.
    health_check_max_wait_seconds: float = Field(default=30.0, ge=0, le=300)

    # Webhooks: the background worker looks for due deliveries this often; a consumer must
    # answer 2xx within the timeout (Codat: 15 s); a delivery fails for good after max attempts.
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    # Deliveries posted at once per process, so that consumers which hang do not hold up the rest.
    webhook_concurrency: int = Field(default=4, ge=1, le=64)
    # Webhooks go to public addresses only. An operator whose consumers live on a private
    # network lists those networks here, comma-separated (e.g. "10.0.0.0/8,fd00::/8"); cloud
    # metadata, multicast and unspecified addresses stay refused whatever it says.
    webhook_allow_private: str = ""

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
            elif name == "secret_key" and value:
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
