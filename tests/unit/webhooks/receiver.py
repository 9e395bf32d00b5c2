"""A real HTTP(S) webhook consumer on loopback that records what it receives."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    port: int
    requests: list[Received] = field(default_factory=list)
    # What the consumer answers; tests change it to simulate a failing consumer.
    status: int = 204
    answer: bytes = b""
    answer_headers: dict[str, str] = field(default_factory=dict)
    # The TLS server names (SNI) clients asked for, when serving HTTPS.
    server_names: list[str | None] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        receiver = self.server.receiver
        receiver.requests.append(
            Received(
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
        )
        self.send_response(receiver.status)
        for name, value in receiver.answer_headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(receiver.answer)))
        self.end_headers()
        self.wfile.write(receiver.answer)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextmanager
def running_receiver(port: int = 0, *, tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """Serve on 127.0.0.1:`port` (0 = any free port) until the block ends; HTTPS with `tls`
    (a server context), the URL then naming the host `hooks.example.test`."""
    server = _Server(("127.0.0.1", port), _Handler)
    bound = int(server.server_address[1])
    url = (
        f"https://hooks.example.test:{bound}/hooks/qbdsync"
        if tls is not None
        else f"http://127.0.0.1:{bound}/hooks/qbdsync"
    )
    server.receiver = Receiver(url=url, port=bound)
    if tls is not None:
        names = server.receiver.server_names

        def remember(sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
            names.append(name)

        tls.sni_callback = remember  # type: ignore[assignment]
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
