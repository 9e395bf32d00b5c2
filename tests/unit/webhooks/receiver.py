"""A real HTTP webhook consumer on loopback that records what it receives."""

from __future__ import annotations

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
        self.send_header("content-length", str(len(receiver.answer)))
        self.end_headers()
        self.wfile.write(receiver.answer)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


@contextmanager
def running_receiver(port: int = 0) -> Iterator[Receiver]:
    """Serve on 127.0.0.1:`port` (0 = any free port) until the block ends."""
    server = _Server(("127.0.0.1", port), _Handler)
    bound = int(server.server_address[1])
    server.receiver = Receiver(url=f"http://127.0.0.1:{bound}/hooks/qbdsync", port=bound)
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
