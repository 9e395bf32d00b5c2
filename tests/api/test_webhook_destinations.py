"""POST /webhooks refuses URLs that point inside the operator's network (400 in Codat's shape,
saying why), and the running server's worker refuses them again when it connects: a consumer
whose name resolved to a public address when it subscribed and to 127.0.0.1 later (DNS
rebinding) gets nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from tests.api.helpers import new_tenant, serving
from tests.api.receiver import receiver
from tests.conftest import LiveServer

ERROR_KEYS = {
    "statusCode",
    "service",
    "error",
    "correlationId",
    "validation",
    "canBeRetried",
    "detailedErrorCode",
}
PUBLIC = "93.184.216.34"


def made_up_dns(answers: dict[str, list[list[str]]]) -> Any:
    """A resolver for .test names: each answers from its list in turn, the last one repeating."""
    pending = {name: list(seq) for name, seq in answers.items()}

    def resolve(host: str, port: int) -> Sequence[str]:
        seq = pending.get(host)
        if not seq:
            raise OSError(f"cannot resolve {host}")
        return seq.pop(0) if len(seq) > 1 else seq[0]

    return resolve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("destinations") / "qbdsync.db"
    dns = made_up_dns(
        {
            "intranet.example.test": [["10.20.30.40"]],
            "sneaky.example.test": [[PUBLIC, "127.0.0.1"]],
            "hooks.example.test": [[PUBLIC]],
        }
    )
    with serving(f"sqlite:///{db}", webhook_poll_seconds=3600, resolver=dns) as live:
        yield live


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:6379/", "127.0.0.1 is a loopback address"),
        ("http://localhost:8000/admin", "localhost is a loopback name"),
        ("http://[::1]:5432/", "::1 is a loopback address"),
        ("http://0.0.0.0:9200/", "0.0.0.0 is an unspecified address"),
        ("http://2130706433/", "would be read as an IPv4 address"),
        ("http://127.1/", "would be read as an IPv4 address"),
        ("http://0177.0.0.1/", "not a valid URL"),
        ("http://[::ffff:127.0.0.1]/", "(127.0.0.1) is a loopback address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "(169.254.169.254) is a cloud metadata address"),
        ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254 is a cloud metadata"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://168.63.129.16/", "168.63.129.16 is a cloud metadata address"),
        ("http://[fd20:ce::254]/", "fd20:ce::254 is a cloud metadata address"),
        ("https://hooks.example.test:0/", "port 0 is not a TCP port"),
        ("https://hooks.example.test:99999/", "port 99999 is not a TCP port"),
        ("https://hooks.example.test:-1/", "port -1 is not a TCP port"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata host"),
        ("http://metadata.google.internal./", "cloud metadata host"),
        ("http://10.0.0.8/", "10.0.0.8 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("https://user:pass@hooks.example.test/", "must not carry a user name or password"),
        ("https://intranet.example.test/", "resolves to 10.20.30.40, a private address"),
        ("https://sneaky.example.test/", "sneaky.example.test resolves to 127.0.0.1"),
        ("gopher://hooks.example.test/", "must start with http:// or https://"),
    ],
)
def test_internal_urls_are_refused_at_subscription(
    server: LiveServer, url: str, reason: str
) -> None:
    tenant = new_tenant(server, "ssrf")
    answer = tenant.api.post("/webhooks", json={"url": url, "eventTypes": ["*"]})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert body["statusCode"] == 400
    assert body["canBeRetried"] == "False"
    assert body["error"].startswith("url is refused: ")
    assert reason in body["error"]
    [error] = body["validation"]["errors"]
    assert error["itemId"] == "url"
    assert reason in error["message"]
    assert tenant.api.get("/webhooks").json()["results"] == []


def test_public_urls_are_accepted(server: LiveServer) -> None:
    tenant = new_tenant(server, "public")
    for url in (
        "https://hooks.example.test/codat",
        f"http://{PUBLIC}:8080/codat",
        "https://not-in-dns-yet.example.test/codat",  # checked again when delivering
    ):
        answer = tenant.api.post("/webhooks", json={"url": url, "eventTypes": ["*"]})
        assert answer.status_code == 201, answer.text
        assert answer.json()["url"] == url


def test_the_operator_allows_a_private_network(tmp_path: Any) -> None:
    with serving(
        f"sqlite:///{tmp_path / 'allow.db'}",
        webhook_poll_seconds=3600,
        webhook_allow_private="10.0.0.0/8",
    ) as live:
        tenant = new_tenant(live, "private")

        def post(url: str) -> int:
            answer = tenant.api.post("/webhooks", json={"url": url, "eventTypes": ["*"]})
            return answer.status_code

        assert post("http://10.1.2.3:8080/hooks") == 201
        assert post("http://192.168.1.1/hooks") == 400  # not in the list
        assert post("http://127.0.0.1/hooks") == 400
        assert post("http://169.254.169.254/") == 400  # metadata: never


def _log(tenant: Any, hook_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        log: list[dict[str, Any]] = tenant.api.get(f"/webhooks/{hook_id}/deliveries").json()[
            "results"
        ]
        if (log and all(d["attempts"] >= 1 for d in log)) or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


def test_dns_rebinding_after_subscription_reaches_nothing(tmp_path: Any) -> None:
    with receiver() as inbox:
        port = httpx.URL(inbox.url).port
        url = f"http://rebind.example.test:{port}/hooks/codat"
        # Public when the consumer subscribes, loopback (where the receiver is) ever after.
        dns = made_up_dns({"rebind.example.test": [[PUBLIC], ["127.0.0.1"]]})
        with serving(
            f"sqlite:///{tmp_path / 'rebind.db'}", webhook_poll_seconds=0.1, resolver=dns
        ) as live:
            tenant = new_tenant(live, "rebind")
            made = tenant.api.post("/webhooks", json={"url": url, "eventTypes": ["*"]})
            assert made.status_code == 201, made.text
            created = tenant.api.post("/companies", json={"name": "Rebound Ltd"})
            assert created.status_code in (200, 201)
            [delivery] = _log(tenant, made.json()["id"])
        assert inbox.snapshot() == []
    assert delivery["eventType"] == "company.created"
    assert delivery["status"] == "pending"
    assert delivery["lastStatusCode"] is None
    assert delivery["lastError"] == (
        "refused destination: rebind.example.test resolves to 127.0.0.1, a loopback address"
    )
