"""Settings: one object, read from the environment (prefix QBDSYNC_) only when asked for.

Nothing reads the environment at import time; entry points build a Settings and pass it in.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from qbdsync import limits
from qbdsync.errors import ConfigurationError
from qbdsync.limits import RecordLimits, SoapLimits

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
    session_idle_timeout_seconds: int = Field(default=1800, ge=60)
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

    # Webhooks: the background worker looks for due deliveries this often; a consumer must
    # answer 2xx within the timeout (Codat: 15 s); a delivery fails for good after max attempts.
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)

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
