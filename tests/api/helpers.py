"""Helpers for API tests: tenants with their own API keys, and companies linked and synced
through the public API exactly as an operator and an SMB user would."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from qbdsync.simulator.link import follow_link
from qbdsync.simulator.runner import SimulationResult, simulate
from qbdsync.store import clients
from tests.conftest import LiveServer, start_server

# httpx clients made by new_tenant, closed by `serving` when its server stops (even when a test
# fails half-way), so no socket outlives its test.
_CLIENTS: list[httpx.Client] = []


@contextmanager
def serving(database_url: str, **settings: Any) -> Iterator[LiveServer]:
    """tests.conftest.start_server as a context manager that always runs its teardown."""
    servers = start_server(database_url, **settings)
    first_client = len(_CLIENTS)
    server = next(servers)
    try:
        yield server
    finally:
        for client in _CLIENTS[first_client:]:
            client.close()
        del _CLIENTS[first_client:]
        # Exhausting the generator (not closing it) runs the code after its yield, which
        # disposes of the engine; GeneratorExit would skip it and leak pooled connections.
        next(servers, None)


def basic(key: str) -> dict[str, str]:
    """The Authorization header Codat's SDKs send for an API key."""
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


@dataclass
class Tenant:
    client_id: str
    key: str
    key_id: str
    api: httpx.Client


def new_tenant(server: LiveServer, name: str) -> Tenant:
    """A new API client (tenant) with one API key and an httpx client using it."""
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        client_id = clients.create_client(conn, name, now)
        key, row = clients.create_api_key(conn, client_id, f"{name} key", now)
    api = httpx.Client(base_url=server.url, headers=basic(key), timeout=30)
    _CLIENTS.append(api)
    return Tenant(client_id, key, row.id, api)


@dataclass
class Synced:
    """A company linked through the API whose simulated QuickBooks file has been synced."""

    company_id: str
    connection_id: str
    qwc_path: Path
    password: str
    company_file: Path
    first: SimulationResult

    def sync(self, **options: Any) -> SimulationResult:
        return simulate(
            qwc_path=self.qwc_path,
            password=self.password,
            company_file=self.company_file,
            **options,
        )


def create_linkable(tenant: Tenant, name: str, **company: Any) -> tuple[str, dict[str, Any]]:
    """POST /companies then POST /companies/{id}/connections; (company id, connection)."""
    created = tenant.api.post("/companies", json={"name": name, **company})
    assert created.status_code in (200, 201), created.text
    company_id = created.json()["id"]
    connection = tenant.api.post(
        f"/companies/{company_id}/connections", json={"platformKey": "pqsw"}
    )
    assert connection.status_code in (200, 201), connection.text
    return company_id, connection.json()


def link_and_sync(tenant: Tenant, workdir: Path, name: str = "Acme", **options: Any) -> Synced:
    """Create, link (follow the link URL like the SMB user) and run a first full sync."""
    workdir.mkdir(parents=True, exist_ok=True)
    company_id, connection = create_linkable(tenant, name)
    qwc_path, password = follow_link(connection["linkUrl"], workdir)
    company_file = workdir / f"{company_id}.qbsim"
    first = simulate(qwc_path=qwc_path, password=password, company_file=company_file, **options)
    assert first.auth not in ("nvu", "none", "busy") and not first.errors, first
    return Synced(company_id, connection["id"], qwc_path, password, company_file, first)


def fetch_all(api: httpx.Client, path: str, *, page_size: int = 100, **params: Any) -> list[Any]:
    """Every record of a paged list, page by page, following nothing but page numbers."""
    results: list[Any] = []
    page = 1
    while True:
        reply = api.get(path, params={**params, "page": page, "pageSize": page_size})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        results.extend(body["results"])
        if page * page_size >= body["totalResults"]:
            assert len(results) == body["totalResults"]
            return results
        page += 1
