"""`/metrics` over real HTTP: Prometheus text whose counters move while simulated Web Connectors
poll and sync a company linked through the API (a file that will not open, QuickBooks errors, a
complete sync, an idle poll, a wrong password), queue gauges read from the database, latency by
route template; no id, user name, password or key in any label; the optional bearer token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from qbdsync.api.server import free_port
from qbdsync.simulator.link import follow_link
from qbdsync.simulator.runner import simulate
from qbdsync.store import webhooks as webhook_store
from tests.api.helpers import basic, create_linkable, new_tenant, serving
from tests.conftest import LiveServer

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
# What a label may look like: no uuid, no QuickBooks list id, nothing long.
_ID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}|[0-9A-F]{8}-\d{9,}|qbd-")


def scrape(url: str, **headers: str) -> tuple[str, Samples]:
    reply = httpx.get(f"{url}/metrics", headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= set(got))


def label_values(samples: Samples) -> set[str]:
    return {v for (_, labels) in samples for (_, v) in labels}


def test_counters_move_during_a_sync_and_labels_carry_no_ids(
    database_url: str, tmp_path: Path
) -> None:
    # A consumer on a closed loopback port: every delivery fails and is tried again later.
    dead_port = free_port()
    with serving(database_url, webhook_allow_private="127.0.0.0/8") as server:
        tenant = new_tenant(server, "metrics")
        with server.engine.begin() as conn:
            webhook_store.create_webhook(
                conn,
                client_id=tenant.client_id,
                url=f"http://127.0.0.1:{dead_port}/hook",
                event_types=["*"],
                secret="whsec_dGVzdA==",
                now=datetime.now(UTC),
            )
        _, before = scrape(server.url)
        company_id, connection = create_linkable(tenant, "Metrics Co")
        qwc, password = follow_link(connection["linkUrl"], tmp_path)
        company_file = tmp_path / "metrics.qbsim"

        def sync(**options: object) -> None:
            simulate(qwc_path=qwc, password=password, company_file=company_file, **options)  # type: ignore[arg-type]

        sync(failures={"open": 0x80040408})  # QuickBooks cannot open the file: connectionError
        sync(failures={"InvoiceQueryRq:1": 3120})  # complete, one query refused (a status)
        sync()  # nothing due: idle
        refused = simulate(
            qwc_path=qwc, password=password + "x", company_file=company_file
        )  # wrong password
        assert refused.auth == "nvu"
        push = tenant.api.post(
            f"/companies/{company_id}/connections/{connection['id']}/push/customers",
            json={"customerName": "Metrics Ltd"},
        )
        assert push.status_code == 200, push.text
        text, after = scrape(server.url)

        def moved(name: str, **labels: str) -> float:
            return total(after, name, **labels) - total(before, name, **labels)

        assert moved("qbdsync_polls_total", answer="work") == 2
        assert moved("qbdsync_polls_total", answer="idle") == 1
        assert moved("qbdsync_polls_total", answer="auth_failed") == 1
        assert moved("qbdsync_sessions_total", outcome="completed") == 1
        assert moved("qbdsync_quickbooks_errors_total", kind="hresult", code="0x80040408") == 1
        assert moved("qbdsync_quickbooks_errors_total", kind="status", code="3120") == 1
        assert moved("qbdsync_records_ingested_total", data_type="accounts") > 0
        assert moved("qbdsync_records_ingested_total") >= 100
        # Every SOAP call and API request timed, /qbwc and the push under their templates.
        assert moved("qbdsync_http_request_duration_seconds_count", route="/qbwc") >= 15
        push_route = "/companies/{companyId}/connections/{connectionId}/push/{dataType}"
        assert moved("qbdsync_http_request_duration_seconds_count", route=push_route) == 1
        assert value(after, "qbdsync_push_queue_depth") >= 1
        assert value(after, "qbdsync_push_queue_oldest_age_seconds") >= 0

        # The events of the syncs wait for the consumer, which is down: retried, pending.
        deadline = datetime.now(UTC).timestamp() + 30
        while True:
            text, after = scrape(server.url)
            if moved("qbdsync_webhook_attempts_total", result="retrying") >= 1:
                break
            assert datetime.now(UTC).timestamp() < deadline, "no webhook attempt counted"
            httpx.get(f"{server.url}/healthz", timeout=10)
        assert value(after, "qbdsync_webhook_backlog_depth") >= 1
        assert value(after, "qbdsync_webhook_backlog_oldest_age_seconds") > 0

        # A path no route matches is labelled as such, not as itself.
        assert httpx.get(f"{server.url}/nothing/{company_id}", timeout=10).status_code == 404
        text, after = scrape(server.url)
        assert (
            value(
                after,
                "qbdsync_http_request_duration_seconds_count",
                method="GET",
                route="unmatched",
                status="4xx",
            )
            >= 1
        )

    secrets = [company_id, connection["id"], tenant.key, tenant.client_id, password]
    username = re.search(r"<UserName>([^<]+)</UserName>", qwc.read_text())
    assert username is not None
    secrets.append(username.group(1))
    for secret in secrets:
        assert secret not in text
    for label in label_values(after):
        assert len(label) <= 120 and not _ID_LIKE.search(label), label


def test_a_metrics_token_is_required_when_set(sqlite_url: str) -> None:
    token = "m3trics-" + "t" * 32
    with serving(sqlite_url, metrics_token=token) as server:
        assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 401
        wrong = httpx.get(
            f"{server.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=10
        )
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"] == "Bearer"
        # An API key is no metrics token either.
        tenant = new_tenant(server, "api")
        assert (
            httpx.get(f"{server.url}/metrics", headers=basic(tenant.key), timeout=10).status_code
            == 401
        )
        text, _ = scrape(server.url, Authorization=f"Bearer {token}")
        assert token not in text
        assert "qbdsync_polls_total" in text


def test_metrics_are_not_in_the_api_description(sqlite_server: LiveServer) -> None:
    reply = httpx.get(f"{sqlite_server.url}/openapi.json", timeout=10)
    assert reply.status_code == 200
    assert "/metrics" not in reply.json()["paths"]
