"""Signatures verify with the Standard Webhooks reference library (what Codat users run)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from qbdsync.errors import ConfigurationError
from qbdsync.webhooks import signing
from tests.unit.webhooks.conftest import verify


def test_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second
    assert len(first) <= 80  # fits webhooks.secret


def test_headers_verify_with_the_library() -> None:
    secret = signing.new_secret()
    body = b'{"id":"e1","eventType":"read.completed","payload":{"name":"Caf\xc3\xa9"}}'
    headers = signing.headers(secret, "e1", body, datetime.now(UTC))
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "e1"
    assert verify(secret, headers, body)["payload"] == {"name": "Café"}


def test_a_changed_body_or_other_secret_does_not_verify() -> None:
    secret = signing.new_secret()
    body = b'{"id":"e1"}'
    headers = signing.headers(secret, "e1", body, datetime.now(UTC))
    with pytest.raises(Exception, match="signature"):
        verify(secret, headers, b'{"id":"e2"}')
    with pytest.raises(Exception, match="signature"):
        verify(signing.new_secret(), headers, body)


def test_sign_matches_a_hand_computed_value() -> None:
    # Key bytes 0..31; HMAC-SHA256 over "msg_1.1700000000.{}" computed independently with
    # `printf 'msg_1.1700000000.{}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f`.
    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    expected_hex = "7e192c245e4494a8e53e84ff8ed79f08ee578d03ef85fec385fffc47569df725"
    expected = "v1," + base64.b64encode(bytes.fromhex(expected_hex)).decode()
    assert signing.sign(secret, "msg_1", 1_700_000_000, b"{}") == expected


def test_secret_without_prefix_is_accepted_and_garbage_refused() -> None:
    raw = base64.b64encode(b"k" * 24).decode()
    assert signing.sign(raw, "m", 1, b"") == signing.sign("whsec_" + raw, "m", 1, b"")
    with pytest.raises(ConfigurationError):
        signing.sign("whsec_not base64!", "m", 1, b"")
    with pytest.raises(ConfigurationError):
        signing.sign("whsec_", "m", 1, b"")
