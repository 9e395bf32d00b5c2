"""Deliveries are checked where the socket opens: a consumer whose host resolves (now, or after a
DNS change) to an internal address gets nothing, the connection goes to the very address that
was checked (TLS still verifies the host name), redirects are not followed, no proxy from the
environment is used, and the delivery log keeps a status and a short reason, never the answer.

Consumers are stored directly, as they would be by an older version or before DNS changed;
the receivers are real HTTP(S) servers on 127.0.0.1.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import trustme
from sqlalchemy import Engine

from qbdsync.store import webhooks as store
from qbdsync.webhooks import events
from qbdsync.webhooks.delivery import Deliverer, deliver_due
from qbdsync.webhooks.destinations import DestinationPolicy, check_destination
from qbdsync.webhooks.sender import WebhookSender
from qbdsync.webhooks.signing import new_secret
from tests.unit.webhooks.conftest import LOOPBACK, verify
from tests.unit.webhooks.receiver import Receiver, running_receiver

PUBLIC = "93.184.216.34"
NO_PRIVATE = DestinationPolicy()


class Resolver:
    """A DNS for names of the made-up .test zone: each name answers from its list of answers
    in turn (the last one repeats), and every question is counted."""

    def __init__(self, **answers: list[list[str]]) -> None:
        self._answers = {name.replace("_", "."): list(seq) for name, seq in answers.items()}
        self.questions: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.questions.append(host)
        answers = self._answers.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers.pop(0) if len(answers) > 1 else answers[0]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _consumer(engine: Engine, client_id: str, url: str) -> store.WebhookRow:
    with engine.begin() as conn:
        return store.create_webhook(
            conn, client_id=client_id, url=url, event_types=["*"], secret=new_secret(), now=_now()
        )


def _emit(engine: Engine, client_id: str) -> datetime:
    now = _now()
    with engine.begin() as conn:
        events.emit(
            conn,
            client_id=client_id,
            event_type="read.completed",
            payload={"companyId": "c1"},
            company_tags=None,
            now=now,
        )
    return now


def _deliver_once(
    engine: Engine, client_id: str, hook: store.WebhookRow, sender: WebhookSender
) -> store.DeliveryRow:
    """Queue one event, run one delivery pass, and return the consumer's only delivery."""
    now = _emit(engine, client_id)
    assert deliver_due(engine, sender=sender, now=now) == 1
    with engine.begin() as conn:
        [delivery] = store.list_deliveries(conn, client_id, hook.id)
    return delivery


def test_a_name_that_resolves_to_loopback_at_delivery_is_refused(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    dns = Resolver(hooks_example_test=[["127.0.0.1"]])
    hook = _consumer(engine, client_id, f"http://hooks.example.test:{receiver.port}/hooks")
    with WebhookSender(NO_PRIVATE, resolver=dns) as sender:
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, None)
    assert delivery.last_error == (
        "refused destination: hooks.example.test resolves to 127.0.0.1, a loopback address"
    )


def test_the_connection_goes_to_the_checked_address_and_keeps_the_host_name(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    # The operating system cannot resolve hooks.example.test: the delivery arrives only because
    # the transport connects to the address it checked, not to the name.
    dns = Resolver(hooks_example_test=[["127.0.0.1"]])
    hook = _consumer(engine, client_id, f"http://hooks.example.test:{receiver.port}/hooks")
    with WebhookSender(LOOPBACK, resolver=dns) as sender:
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert delivery.status == "succeeded"
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.example.test:{receiver.port}"
    verify(hook.secret, request.headers, request.body)
    assert dns.questions == ["hooks.example.test"]  # resolved once, by the guarded transport


def test_dns_rebinding_between_subscription_and_delivery_is_caught(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    # First answer public (what the subscription check sees), then loopback (what a plain
    # client would connect to at delivery).
    dns = Resolver(rebind_example_test=[[PUBLIC], ["127.0.0.1"]])
    url = f"http://rebind.example.test:{receiver.port}/hooks"
    check_destination(url, NO_PRIVATE, dns)  # accepted when subscribed
    hook = _consumer(engine, client_id, url)
    with WebhookSender(NO_PRIVATE, resolver=dns) as sender:
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert receiver.requests == []
    assert delivery.last_error == (
        "refused destination: rebind.example.test resolves to 127.0.0.1, a loopback address"
    )
    assert dns.questions == ["rebind.example.test", "rebind.example.test"]


def test_a_name_with_one_internal_answer_among_public_ones_is_refused(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    dns = Resolver(mixed_example_test=[[PUBLIC, "127.0.0.1"]])
    hook = _consumer(engine, client_id, f"http://mixed.example.test:{receiver.port}/")
    with WebhookSender(NO_PRIVATE, resolver=dns) as sender:
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert receiver.requests == []
    assert delivery.last_error is not None
    assert "resolves to 127.0.0.1, a loopback address" in delivery.last_error


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("http://127.0.0.1:{port}/", "127.0.0.1 is a loopback address"),
        ("http://localhost:{port}/", "localhost is a loopback name"),
        ("http://2130706433:{port}/", "would be read as an IPv4 address"),
        ("http://127.1:{port}/", "would be read as an IPv4 address"),
        ("http://0x7f.0.0.1:{port}/", "would be read as an IPv4 address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "(127.0.0.1) is a loopback address"),
        ("http://0.0.0.0:{port}/", "0.0.0.0 is an unspecified address"),
        ("http://169.254.169.254:{port}/latest/meta-data/", "cloud metadata address"),
        ("http://metadata.google.internal:{port}/", "cloud metadata host"),
    ],
)
def test_stored_consumers_with_internal_urls_get_nothing(
    engine: Engine, client_id: str, receiver: Receiver, template: str, reason: str
) -> None:
    hook = _consumer(engine, client_id, template.format(port=receiver.port))
    with WebhookSender(NO_PRIVATE) as sender:  # the system's resolver
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert receiver.requests == []
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("refused destination: ")
    assert reason in delivery.last_error


def test_credentials_in_a_stored_url_are_refused_even_where_allowed(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    hook = _consumer(engine, client_id, f"http://admin:s3cret@127.0.0.1:{receiver.port}/")
    delivery = _deliver_once(engine, client_id, hook, sender)
    assert receiver.requests == []  # no Authorization: Basic … sent anywhere
    assert delivery.last_error is not None
    assert "must not carry a user name or password" in delivery.last_error
    assert "s3cret" not in delivery.last_error


def test_the_default_deliverer_allows_no_private_destination(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    hook = _consumer(engine, client_id, receiver.url)
    _emit(engine, client_id)
    deliverer = Deliverer(engine)  # one pass on this thread
    try:
        assert deliverer.run_once() == 1
    finally:
        deliverer.close()
    assert receiver.requests == []
    with engine.begin() as conn:
        [delivery] = store.list_deliveries(conn, client_id, hook.id)
    assert delivery.last_error == "refused destination: 127.0.0.1 is a loopback address"


def test_redirects_are_failures_and_their_target_gets_nothing(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    with running_receiver() as target:
        receiver.status = 302
        receiver.answer_headers = {"location": target.url}
        hook = _consumer(engine, client_id, receiver.url)
        delivery = _deliver_once(engine, client_id, hook, sender)
        assert len(receiver.requests) == 1
        assert target.requests == []
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)
    assert delivery.last_error == "HTTP 302 Found (redirects are not followed)"


@pytest.mark.parametrize("status", [400, 401, 404, 500])
def test_the_log_keeps_the_status_not_the_answer(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender, status: int
) -> None:
    receiver.status = status
    receiver.answer = b"root:x:0:0:root:/root:/bin/bash\n<h1>Internal admin</h1>" * 20
    hook = _consumer(engine, client_id, receiver.url)
    delivery = _deliver_once(engine, client_id, hook, sender)
    assert delivery.last_status_code == status
    assert delivery.last_error is not None
    assert delivery.last_error.startswith(f"HTTP {status} ")
    assert "root" not in delivery.last_error and "admin" not in delivery.last_error
    assert len(delivery.last_error) < 60


@contextmanager
def _line_service(answer: bytes) -> Iterator[int]:
    """A TCP service on 127.0.0.1 that is not HTTP (think Redis): it answers every connection
    with `answer` and hangs up. Yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


def test_an_answer_that_is_not_http_is_not_quoted(
    engine: Engine, client_id: str, sender: WebhookSender
) -> None:
    with _line_service(b"-ERR unknown command 'POST', secret=hunter2\r\n") as port:
        hook = _consumer(engine, client_id, f"http://127.0.0.1:{port}/")
        delivery = _deliver_once(engine, client_id, hook, sender)
    assert delivery.last_status_code is None
    assert delivery.last_error == "RemoteProtocolError: the answer was not valid HTTP"


def test_proxies_from_the_environment_are_not_used(
    engine: Engine,
    client_id: str,
    receiver: Receiver,
    sender: WebhookSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_receiver() as proxy:
        proxy_url = f"http://127.0.0.1:{proxy.port}"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy_url)
        with WebhookSender(LOOPBACK) as fresh:  # built while the variables are set
            hook = _consumer(engine, client_id, receiver.url)
            delivery = _deliver_once(engine, client_id, hook, fresh)
        assert proxy.requests == []
    assert delivery.status == "succeeded"
    assert len(receiver.requests) == 1


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def _trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_to_a_pinned_address_still_verifies_the_host_name(
    engine: Engine, client_id: str, ca: trustme.CA
) -> None:
    dns = Resolver(hooks_example_test=[["127.0.0.1"]], other_example_test=[["127.0.0.1"]])
    with (
        running_receiver(tls=_tls_server(ca, "hooks.example.test")) as receiver,
        WebhookSender(LOOPBACK, resolver=dns, verify=_trusting(ca)) as sender,
    ):
        hook = _consumer(engine, client_id, receiver.url)
        delivery = _deliver_once(engine, client_id, hook, sender)
        assert delivery.status == "succeeded", delivery.last_error
        assert receiver.server_names == ["hooks.example.test"]  # SNI: the name, not the IP
        [request] = receiver.requests
        assert request.headers["host"] == f"hooks.example.test:{receiver.port}"
        verify(hook.secret, request.headers, request.body)

        # The same server reached under a name its certificate does not carry: refused by TLS.
        other = _consumer(engine, client_id, f"https://other.example.test:{receiver.port}/")
        with engine.begin() as conn:
            store.delete_webhook(conn, client_id, hook.id)
        failed = _deliver_once(engine, client_id, other, sender)
        assert len(receiver.requests) == 1
    assert failed.last_error is not None
    assert failed.last_error.startswith("ConnectError: ")
    assert "certificate" in failed.last_error.lower()


def test_a_name_that_does_not_resolve_is_a_short_connect_error(
    engine: Engine, client_id: str, sender: WebhookSender
) -> None:
    hook = _consumer(engine, client_id, "https://gone.example.test/hooks")
    delivery = _deliver_once(engine, client_id, hook, sender)
    assert delivery.status == "pending"
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("ConnectError: cannot resolve gone.example.test")


def test_the_log_line_of_a_failure_names_no_secret_in_the_url(
    engine: Engine, client_id: str, sender: WebhookSender, caplog: pytest.LogCaptureFixture
) -> None:
    hook = _consumer(engine, client_id, "https://bob:pw123@gone.example.test:8443/h?token=t0k")
    with caplog.at_level("INFO", logger="qbdsync.webhooks.delivery"):
        _deliver_once(engine, client_id, hook, sender)
    [line] = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert hook.id in line and "https://gone.example.test:8443" in line
    assert "pw123" not in line and "t0k" not in line and "bob" not in line
