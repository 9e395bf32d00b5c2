"""No secret in any log line: a whole Web Connector session and API calls, with every logger at
DEBUG and the access log on, as text and as JSON — the connection passwords, their digests,
the API key (and a wrong one), the tickets, the link tokens, the secret key and the database
password are nowhere in what the server (and the clients in this process) logged."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from qbdsync.api.app import serving_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.logs import JsonFormatter, configure_logging
from qbdsync.qbwc.credentials import digest_password
from qbdsync.redact import RedactingFilter
from qbdsync.settings import Settings
from qbdsync.simulator.link import follow_link
from qbdsync.simulator.runner import simulate
from qbdsync.store.db import is_sqlite, make_engine
from qbdsync.store.migrate import upgrade
from tests.api.helpers import basic, create_linkable, new_tenant
from tests.conftest import LiveServer

DATABASE_PASSWORD = "DbS3cret-" + "x" * 8


@contextmanager
def _logs_captured_at_debug() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Everything logged, through qbdsync's own handler (text) and a JSON twin."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    as_text, as_json = io.StringIO(), io.StringIO()
    configure_logging("text", "DEBUG", stream=as_text)
    twin = logging.StreamHandler(as_json)
    twin.setFormatter(JsonFormatter())
    twin.addFilter(RedactingFilter())
    root.addHandler(twin)
    try:
        yield as_text, as_json
    finally:
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])


@contextmanager
def _server(database_url: str, secret_key: str) -> Iterator[LiveServer]:
    port = free_port()
    settings = Settings(
        database_url=database_url,
        public_url=f"http://127.0.0.1:{port}",
        secret_key=secret_key,
        access_log=True,
        webhook_poll_seconds=0.2,
    )  # type: ignore[call-arg]
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with serve_in_thread(serving_app(settings, engine), port=port) as url:
            yield LiveServer(url=url, settings=settings, engine=engine)
    finally:
        engine.dispose()


def _with_password(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return database_url
    # The test server trusts every login, so any password works and must never be logged.
    return url.set(password=DATABASE_PASSWORD).render_as_string(hide_password=False)


def _token(link_url: str) -> str:
    return link_url.rstrip("/").rsplit("/", 1)[1]


def test_no_secret_in_any_log_line_of_a_session_and_api_calls(
    database_url: str, tmp_path: Path
) -> None:
    secret_key = secrets.token_urlsafe(32)
    intruder = "not-a-key-" + secrets.token_urlsafe(16)
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    with (
        _logs_captured_at_debug() as (as_text, as_json),
        _server(_with_password(database_url), secret_key) as server,
    ):
        tenant = new_tenant(server, "logs")
        company_id, connection = create_linkable(tenant, "Logged Ltd")
        first_link = connection["linkUrl"]
        # The SMB user's side: the link page, the .qwc and the password it reveals once.
        qwc_path, first_password = follow_link(first_link, tmp_path / "first")
        company_file = tmp_path / "logged.qbsim"
        synced = simulate(qwc_path=qwc_path, password=first_password, company_file=company_file)
        assert not synced.errors, synced
        wrong = simulate(
            qwc_path=qwc_path, password=first_password + "x", company_file=company_file
        )
        assert wrong.auth == "nvu"

        # The API: reads with a query, a refresh, a regenerated link, a wrong key.
        for path in (
            "/companies",
            f"/companies/{company_id}/data/invoices?pageSize=5&query=amountDue%3E0",
            f"/companies/{company_id}/dataStatus",
            f"/companies/{company_id}/connections/{connection['id']}",
        ):
            assert tenant.api.get(path).status_code == 200, path
        assert tenant.api.post(f"/companies/{company_id}/data/all").status_code < 300
        relinked = tenant.api.post(f"/companies/{company_id}/connections/{connection['id']}/link")
        assert relinked.status_code < 300, relinked.text
        second_link = relinked.json()["linkUrl"]
        qwc_path, second_password = follow_link(second_link, tmp_path / "second")
        again = simulate(qwc_path=qwc_path, password=second_password, company_file=company_file)
        assert not again.errors, again
        refused = httpx.get(f"{server.url}/companies", headers=basic(intruder), timeout=30)
        assert refused.status_code == 401
        with server.engine.connect() as conn:
            tickets = list(conn.execute(text("SELECT ticket FROM qbwc_sessions")).scalars())
        on_postgres = not is_sqlite(server.engine)
    logged = as_text.getvalue() + as_json.getvalue()

    # The run logged enough for the scan to mean something: DEBUG records, access lines.
    assert " DEBUG " in as_text.getvalue()
    assert "qbdsync.access" in logged and "POST /qbwc 200" in logged and "/link/***" in logged
    json_lines = [json.loads(line) for line in as_json.getvalue().splitlines()]
    assert any(line["logger"] == "qbdsync.access" for line in json_lines)

    found = [tenant.key, intruder, secret_key, _token(first_link), _token(second_link), *tickets]
    for password in (first_password, second_password):
        digest = digest_password(password)
        found += [password, digest.hex(), base64.b64encode(digest).decode()]
    if on_postgres:
        found.append(DATABASE_PASSWORD)
    assert len(tickets) == 2  # one per working session (a refused login makes none)
    for secret in found:
        assert secret and len(secret) >= 8
        assert secret not in logged, f"a secret is in the log: {secret[:4]}…"
