"""The live server against its own /openapi.json, with schemathesis.

Every operation gets generated requests (valid and invalid) with a valid API key; no answer may
be a 5xx, and every answer must match what the document declares (status code, content type,
headers, body schema). Path parameters are pointed at a synced company and its connection, so
data endpoints answer with real records rather than only 404s.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from qbdsync.api.app import create_app
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from tests.api.helpers import Synced, basic, link_and_sync, new_tenant, serving

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Left to generated ids: these would remove the synced company the other operations read.
DESTRUCTIVE = {
    ("DELETE", "/companies/{companyId}"),
    ("DELETE", "/companies/{companyId}/connections/{connectionId}"),
    ("DELETE", "/apiKeys/{apiKeyId}"),
}


@dataclass
class Target:
    url: str
    headers: dict[str, str]
    synced: Synced
    records: dict[str, list[str]]


def _document() -> dict[str, Any]:
    """The OpenAPI document the server serves, built the same way (the test below checks the
    live /openapi.json is identical); schemathesis needs it at collection time."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'schema.db'}"
        engine = make_engine(url)
        upgrade(engine)
        app_settings = Settings(database_url=url, public_url="http://127.0.0.1:1")
        document = create_app(app_settings, engine, run_jobs=False).openapi()
        engine.dispose()
    return document


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    db = tmp_path_factory.mktemp("schemathesis") / "qbdsync.db"
    # A health check's POST waits a second at most: generated timeouts are up to a day.
    with serving(
        f"sqlite:///{db}", webhook_poll_seconds=3600, health_check_max_wait_seconds=1
    ) as server:
        tenant = new_tenant(server, "schemathesis")
        synced = link_and_sync(tenant, tmp_path_factory.mktemp("company"))
        records: dict[str, list[str]] = {}
        for path in DOCUMENT["paths"]:
            found = re.fullmatch(r"/companies/{companyId}/data/(\w+)/{recordId}", path)
            if found:
                page = tenant.api.get(
                    f"/companies/{synced.company_id}/data/{found.group(1)}",
                    params={"pageSize": 2},
                ).json()
                records[found.group(1)] = [r["id"] for r in page["results"]]
        records["datasetId"] = [
            p["id"]
            for p in tenant.api.get(f"/companies/{synced.company_id}/data/history").json()[
                "results"
            ][:2]
        ]
        yield Target(server.url, basic(tenant.key), synced, records)


def test_the_live_server_serves_this_document(target: Target) -> None:
    live = httpx.get(f"{target.url}/openapi.json", timeout=30).json()
    assert live == DOCUMENT


def _point_at_synced_company(case: Any, target: Target) -> None:
    """Put the synced company's ids into the generated path; record ids only every other
    time (decided by the generated value, so runs stay reproducible), keeping 404 paths too."""
    if (case.method.upper(), case.path) in DESTRUCTIVE:
        return
    params = case.path_parameters or {}
    if "companyId" in params:
        params["companyId"] = target.synced.company_id
    if "connectionId" in params:
        params["connectionId"] = target.synced.connection_id
    segments = case.path.split("/")
    for name in ("recordId", "accountId", "datasetId"):
        if name not in params:
            continue
        key = segments[segments.index(f"{{{name}}}") - 1] if name == "recordId" else name
        if name == "accountId":
            key = "bankAccounts"
        known = target.records.get(key) or []
        generated = str(params[name])
        if known and len(generated) % 2 == 0:
            params[name] = known[len(generated) % len(known)]


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors_and_responses_match_the_schema(case: Any, target: Target) -> None:
    _point_at_synced_company(case, target)
    case.call_and_validate(base_url=target.url, headers=target.headers, checks=CHECKS)
