"""What a tenant or QuickBooks wrote never acts on the operator's terminal: control characters
in names, descriptions, errors and file paths print escaped in tables and details, rich markup
in them prints as it is, and --json keeps the values exact."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from qbdsync.store import companies as company_store
from tests.conftest import LiveServer
from tests.integration.cli_helpers import ok, qbdsync

# What the attacker sent through the API before it refused it (and what older databases,
# or QuickBooks's own answers, may still hold).
HOSTILE_NAME = "line1\nline2\x1b[31mred\x00nul\rcr\u202eevil [red]markup[/red]"
# Anything a terminal acts on: C0/C1 controls but the table layout's own newlines, DEL, bidi.
ACTIVE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_company(server: LiveServer) -> tuple[str, str]:
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        company_id = company_store.create_company(
            conn, HOSTILE_NAME, "desc\x1b]0;owned\x07", now, tags={"k\x1b": "v\x00"}
        )
        connection = company_store.create_connection(
            conn, company_id=company_id, username="u-hostile", password_digest=None, now=now
        )
        company_store.update_connection(
            conn,
            connection.id,
            last_error="QuickBooks said \x1b[2J\x1b[Hcleared",
            company_file="C:\\Books\\evil\x1b[5m.qbw",
            qb_product="QuickBooks\r Enterprise",
        )
    return company_id, connection.id


def assert_terminal_safe(output: str) -> None:
    assert not ACTIVE.search(output), repr(output)


def test_tables_and_details_escape_control_characters(sqlite_server: LiveServer) -> None:
    company_id, connection_id = hostile_company(sqlite_server)
    for args in (
        ("company", "list"),
        ("company", "show", company_id),
        ("connection", "list"),
        ("connection", "list", company_id),
        ("connection", "show", connection_id),
    ):
        ran = ok(qbdsync(sqlite_server, *args, columns=400))
        assert_terminal_safe(ran.stdout)
        assert_terminal_safe(ran.stderr)
    shown = ok(qbdsync(sqlite_server, "company", "show", company_id, columns=400)).stdout
    assert "line1\\nline2\\x1b[31mred\\x00nul\\rcr\\u202eevil [red]markup[/red]" in shown
    assert "desc\\x1b]0;owned\\x07" in shown
    connection = ok(qbdsync(sqlite_server, "connection", "show", connection_id, columns=400))
    assert "QuickBooks said \\x1b[2J\\x1b[Hcleared" in connection.stdout
    assert "C:\\Books\\evil\\x1b[5m.qbw" in connection.stdout
    assert "QuickBooks\\r Enterprise" in connection.stdout


def test_json_keeps_the_values_exact(sqlite_server: LiveServer) -> None:
    company_id, _ = hostile_company(sqlite_server)
    ran = ok(qbdsync(sqlite_server, "company", "show", company_id, "--json"))
    assert_terminal_safe(ran.stdout)  # JSON escapes them itself
    view = json.loads(ran.stdout)
    assert view["name"] == HOSTILE_NAME
    assert view["tags"] == {"k\x1b": "v\x00"}


def test_a_confirmation_and_error_messages_escape_them_too(sqlite_server: LiveServer) -> None:
    company_id, connection_id = hostile_company(sqlite_server)
    deleted = ok(qbdsync(sqlite_server, "connection", "delete", connection_id, "--yes"))
    assert_terminal_safe(deleted.stderr)
    refused = qbdsync(sqlite_server, "company", "delete", company_id, stdin="n\n")
    assert refused.returncode != 0
    assert_terminal_safe(refused.stderr)


def test_the_cli_refuses_control_characters_in_names_as_the_api_does(
    sqlite_server: LiveServer,
) -> None:
    for args in (
        ("company", "create", "a\x1b[31mb"),
        ("company", "create", "ok", "--description", "x\x07y"),
        ("client", "create", "c\rd"),
        ("apikey", "create", "--name", "k\x1b"),
    ):
        ran = qbdsync(sqlite_server, *args, columns=300)
        assert ran.returncode == 2, (args, ran.stderr)
        assert "control characters" in ran.stderr
        assert_terminal_safe(ran.stderr)
    listed = json.loads(ok(qbdsync(sqlite_server, "company", "list", "--json")).stdout)
    assert [c["name"] for c in listed] == []
    # a description may have lines
    ok(qbdsync(sqlite_server, "company", "create", "Notes Co", "--description", "a\nb"))
