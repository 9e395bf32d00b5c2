"""Posting one signed delivery to a consumer, safely, and saying in a few words how it went.

A WebhookSender is the only way deliveries leave qbdsync: every URL passes
destinations.check_url, every connection goes through transport.GuardedTransport (addresses
checked when the socket opens), redirects are never followed, no proxy or .netrc from the
environment is used, and nothing the consumer answers is kept but its status code. The delivery
log is read by the tenant that chose the URL, so a consumer's answer must not reach it: that
would turn webhooks into a way of reading internal services.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from types import TracebackType

import httpx

from qbdsync.errors import ForbiddenDestination
from qbdsync.settings import Settings
from qbdsync.webhooks.destinations import (
    DestinationPolicy,
    Resolver,
    check_url,
    system_resolver,
)
from qbdsync.webhooks.transport import GuardedTransport, attempt_deadline

DEFAULT_TIMEOUT_SECONDS = 15.0
USER_AGENT = "qbdsync-webhooks"
# An error text from the operating system or TLS library is cut to this many characters.
MAX_REASON_CHARS = 200

# What a failure of each kind is called in the delivery log. These never include anything the
# consumer sent (h11's protocol errors quote the bytes received; they stay out).
_FIXED_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.ConnectTimeout, "ConnectTimeout: no connection within the timeout"),
    (httpx.ReadTimeout, "ReadTimeout: no answer within the timeout"),
    (httpx.WriteTimeout, "WriteTimeout: the body could not be sent within the timeout"),
    (httpx.TimeoutException, "Timeout: no answer within the timeout"),
    (httpx.RemoteProtocolError, "RemoteProtocolError: the answer was not valid HTTP"),
    (httpx.ReadError, "ReadError: the connection broke while reading the answer"),
    (httpx.WriteError, "WriteError: the connection broke while sending"),
)


@dataclass(frozen=True)
class Outcome:
    """One attempt: the consumer's status code (None when there was no answer) and, when it
    failed, a short reason for the delivery log."""

    status_code: int | None
    error: str | None


class WebhookSender:
    """Posts deliveries over guarded connections; close it (or use `with`) when done."""

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._policy = policy
        self._timeout_seconds = timeout_seconds
        self._client = httpx.Client(
            transport=GuardedTransport(policy, resolver=resolver, verify=verify),
            # A consumer answers 2xx itself; a redirect could point anywhere, so it is a failure.
            follow_redirects=False,
            # No proxy or .netrc from the environment: the checks are what decides where a
            # delivery goes, and nothing adds credentials to it. (SSL_CERT_FILE still applies,
            # in GuardedTransport: an operator's consumers may use a private CA.)
            trust_env=False,
            timeout=timeout_seconds,
            headers={"user-agent": USER_AGENT},
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, *, resolver: Resolver = system_resolver
    ) -> WebhookSender:
        return cls(
            DestinationPolicy.parse(settings.webhook_allow_private),
            resolver=resolver,
            timeout_seconds=settings.webhook_timeout_seconds,
        )

    def post(
        self, url: str, body: bytes, headers: dict[str, str], timeout: float | None = None
    ) -> Outcome:
        """Post `body` to `url`; never raises (one bad consumer stops nothing).

        `timeout` (by default the sender's) bounds the whole attempt, from resolving the host
        to the status line, not only each read: a consumer answering a byte at a time is cut
        off at the timeout like one that answers nothing."""
        seconds = self._timeout_seconds if timeout is None else timeout
        try:
            check_url(url, self._policy)
            with (
                attempt_deadline(seconds),
                self._client.stream(
                    "POST", url, content=body, headers=headers, timeout=seconds
                ) as response,
            ):
                # The body is never read: only the status code is kept.
                return _outcome(response.status_code)
        except ForbiddenDestination as exc:
            return Outcome(None, f"refused destination: {exc}")
        except Exception as exc:
            return Outcome(None, _reason(exc))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome(status, None)
    # The standard phrase, not the consumer's own reason phrase (which is text it chose).
    text = f"HTTP {status} {httpx.codes.get_reason_phrase(status)}".rstrip()
    if 300 <= status < 400:
        text += " (redirects are not followed)"
    return Outcome(status, text)


def _reason(exc: Exception) -> str:
    """A short reason for a failed attempt, without anything the consumer sent."""
    for kind, reason in _FIXED_REASONS:
        if isinstance(exc, kind):
            return reason
    name = exc.__class__.__name__
    if isinstance(exc, httpx.ConnectError | httpx.UnsupportedProtocol | httpx.InvalidURL):
        # Written by the OS, the TLS library or httpx (refused, no route, bad certificate).
        detail = " ".join(str(exc).split())[:MAX_REASON_CHARS]
        return f"{name}: {detail}" if detail else name
    return name
