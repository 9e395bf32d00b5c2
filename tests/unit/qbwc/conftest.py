"""A real uvicorn server on 127.0.0.1 serving qbwc_routes, shared by the endpoint tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from qbdsync.qbwc.endpoint import qbwc_routes
from tests.unit.qbwc.fakes import FakeHandler

MB = 1024 * 1024
SMALL_LIMIT = 1 * MB


@dataclass
class LiveServer:
    base: str
    handler: FakeHandler = field(default_factory=FakeHandler)

    @property
    def url(self) -> str:
        return f"{self.base}/qbwc"

    @property
    def small_url(self) -> str:
        """The same endpoint with max_body_bytes = SMALL_LIMIT."""
        return f"{self.base}/small/qbwc"


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    live = LiveServer(f"http://127.0.0.1:{port}")
    app = Starlette(
        routes=[
            *qbwc_routes(
                lambda: live.handler, service_url=lambda: live.url, max_body_bytes=400 * MB
            ),
            Mount(
                "/small",
                routes=qbwc_routes(
                    lambda: live.handler, service_url=live.small_url, max_body_bytes=SMALL_LIMIT
                ),
            ),
        ]
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield live
    server.should_exit = True
    thread.join(timeout=20)
    sock.close()


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server with a fresh FakeHandler for this test."""
    live_server.handler = FakeHandler()
    return live_server
