"""A consumer on loopback that answers one byte at a time, each byte well inside any read
timeout, for as long as the client stays: the slowloris that per-read timeouts cannot stop."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SlowConsumer:
    url: str
    # Set once a request has arrived, and once the client gave up (closed its connection).
    requested: threading.Event = field(default_factory=threading.Event)
    abandoned: threading.Event = field(default_factory=threading.Event)
    # Set by a test to make the consumer hang up at once.
    hang_up: threading.Event = field(default_factory=threading.Event)


@contextmanager
def slow_consumer(byte_every: float = 0.2) -> Iterator[SlowConsumer]:
    server = socket.create_server(("127.0.0.1", 0))
    consumer = SlowConsumer(url=f"http://127.0.0.1:{server.getsockname()[1]}/hooks")
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            consumer.requested.set()
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not (stop.is_set() or consumer.hang_up.is_set()):
                    conn.sendall(b"X")  # a header line that never ends
                    stop.wait(byte_every)
            except OSError:
                consumer.abandoned.set()

    server.settimeout(0.1)  # closing a socket does not wake a thread blocked in accept()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, name="slow-consumer", daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()
