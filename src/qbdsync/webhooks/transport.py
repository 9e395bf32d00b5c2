"""An httpx transport that connects only to addresses the destination policy allows.

The check has to happen where the socket is opened: checking a URL and then letting the HTTP
client resolve the name again leaves a window in which a DNS answer can change from a public
address to 127.0.0.1 (DNS rebinding). So the network backend below resolves the host once,
judges every address it got (destinations.check_addresses) and connects to those very
addresses, never to the name. httpcore still sees the original host name, so the Host header,
TLS SNI and certificate checks use it as with any other connection.

httpx (0.28) has no public switch for a custom httpcore network backend, while httpcore's
ConnectionPool takes one, so this wraps a ConnectionPool in a small httpx transport (the same
request/response conversion httpx's HTTPTransport does) rather than reaching into httpx's
private attributes.

Every attempt also has a deadline for the whole exchange (resolve, connect, TLS, send, answer):
httpx's timeouts apply to each read or write, so a consumer that sends one byte of its answer
inside every read timeout would hold a delivery for days. The network stream here is ours (a
socket, as httpcore's SyncStream, but deadline-aware): each socket operation waits at most
until the deadline of the attempt in progress (`attempt_deadline`), and fails once it passed.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from qbdsync.webhooks.destinations import (
    DestinationPolicy,
    Resolver,
    check_addresses,
    system_resolver,
)

# httpcore's exceptions as httpx's (same names), subclasses before their bases.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.ProxyError, httpx.ProxyError),
)


_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except _HTTPCORE_ERRORS as exc:
        raise _translate(exc) from exc


def _translate(exc: Exception) -> httpx.TransportError:
    for source, target in _EXCEPTIONS:
        if isinstance(exc, source):
            return target(str(exc))
    return httpx.TransportError(str(exc))


# The monotonic time by which the attempt in progress on this thread must be over (None: no
# deadline). A context variable, so that each delivery thread has its own; connections are
# pooled and reused, so the deadline belongs to the attempt, not to the connection.
_deadline: ContextVar[float | None] = ContextVar("qbdsync_webhook_deadline", default=None)


@contextlib.contextmanager
def attempt_deadline(seconds: float) -> Iterator[None]:
    """Every network operation in the block ends by `seconds` from now, whatever each one's
    own timeout; once it has passed, the next one fails with the matching httpcore timeout."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _budget(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """How long the next socket operation may wait: its own timeout, cut to what is left of
    the attempt's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


@contextlib.contextmanager
def _socket_errors(
    timed_out: type[httpcore.TimeoutException], failed: type[httpcore.NetworkError]
) -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:  # socket.timeout
        raise timed_out(str(exc) or "timed out") from exc
    except OSError as exc:
        raise failed(str(exc)) from exc


class DeadlineStream(httpcore.NetworkStream):
    """A socket (plain or TLS) whose every wait ends by the attempt's deadline.

    Written here rather than reused from httpcore's SyncStream, which resets the timeout for
    each send of a write: with the deadline re-read before each system call, one attempt can
    never outlast it. For TLS, CPython's handshake and reads count their socket timeout as a
    deadline for the whole call, so one budget covers a whole handshake.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _socket_errors(httpcore.ReadTimeout, httpcore.ReadError):
            self._sock.settimeout(_budget(timeout, httpcore.ReadTimeout))
            return self._sock.recv(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _socket_errors(httpcore.WriteTimeout, httpcore.WriteError):
            view = memoryview(buffer)
            while view:
                self._sock.settimeout(_budget(timeout, httpcore.WriteTimeout))
                view = view[self._sock.send(view) :]

    def close(self) -> None:
        self._sock.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        if isinstance(self._sock, ssl.SSLSocket):  # TLS in TLS is for proxies; there are none
            raise httpcore.ConnectError("the connection already uses TLS")
        try:
            with _socket_errors(httpcore.ConnectTimeout, httpcore.ConnectError):
                self._sock.settimeout(_budget(timeout, httpcore.ConnectTimeout))
                tls = ssl_context.wrap_socket(self._sock, server_hostname=server_hostname)
        except Exception:
            self.close()
            raise
        return DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object" and isinstance(self._sock, ssl.SSLSocket):
            return self._sock._sslobj  # type: ignore[attr-defined]  # what httpcore expects
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "server_addr":
            return self._sock.getpeername()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return _readable(self._sock)
        return None


def _readable(sock: socket.socket) -> bool:
    """Whether an idle pooled connection has something to read: the consumer closed it (or
    sent something unasked), so httpcore must not reuse it."""
    if sock.fileno() < 0:
        return True
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(0))


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves once, refuses any address the policy forbids, connects to the checked address."""

    def __init__(self, policy: DestinationPolicy, resolver: Resolver = system_resolver) -> None:
        self._policy = policy
        self._resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        # getaddrinfo cannot be interrupted, so a slow name server is bounded by the system
        # resolver's own limits (resolv.conf timeout and attempts), not by the deadline; the
        # connect that follows fails at once if the deadline passed meanwhile.
        try:
            answers = self._resolver(host, port)
        except OSError as exc:  # the name does not resolve (socket.gaierror and the like)
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        # ForbiddenDestination from here on is left as it is: the caller records the reason.
        addresses = check_addresses(host, answers, self._policy)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:  # as socket.create_connection does: each answer in turn
            try:
                return _connect(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # check_addresses returns at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are never delivered over Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _connect(
    address: str,
    port: int,
    timeout: float | None,
    local_address: str | None,
    socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
) -> DeadlineStream:
    """A TCP connection to an address literal (nothing is resolved again), as httpcore's
    SyncBackend opens it, within the attempt's deadline."""
    with _socket_errors(httpcore.ConnectTimeout, httpcore.ConnectError):
        sock = socket.create_connection(
            (address, port),
            _budget(timeout, httpcore.ConnectTimeout),
            source_address=None if local_address is None else (local_address, 0),
        )
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            sock.close()
            raise
    return DeadlineStream(sock)


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class GuardedTransport(httpx.BaseTransport):
    """HTTP/1.1 over connections opened by GuardedBackend. No proxies, no Unix sockets."""

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=20, max_keepalive_connections=10)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, resolver),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            response = self._pool.handle_request(core_request)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        with _httpx_errors():
            self._pool.close()
