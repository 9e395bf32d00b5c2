"""Secrets never reach what qbdsync prints or logs: URL passwords, secret parameters, links."""

from __future__ import annotations

import io
import logging

import pytest

from qbdsync.redact import (
    RedactingFilter,
    mask_database_url,
    mask_url,
    redact_known,
    redact_text,
)
from qbdsync.settings import Settings

SECRET = "S3cretPW"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            f"postgresql+psycopg://qbdsync:{SECRET}@db:5432/qbdsync",
            "postgresql+psycopg://qbdsync:***@db:5432/qbdsync",
        ),
        (f"postgres://qbdsync:{SECRET}@db/qbdsync", "postgres://qbdsync:***@db/qbdsync"),
        # libpq also takes the password as a query parameter
        (
            f"postgresql://qbdsync@db/qbdsync?password={SECRET}&sslmode=require",
            "postgresql://qbdsync@db/qbdsync?password=***&sslmode=require",
        ),
        ("sqlite:///./qbdsync.db", "sqlite:///./qbdsync.db"),
        ("postgresql://qbdsync@db/qbdsync", "postgresql://qbdsync@db/qbdsync"),
    ],
)
def test_database_urls_are_masked_by_sqlalchemy(url: str, masked: str) -> None:
    assert mask_database_url(url) == masked


def test_a_database_url_sqlalchemy_cannot_parse_is_still_masked() -> None:
    assert SECRET not in mask_database_url(f"not a url but pg://u:{SECRET}@h")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        # an unencoded "@" in the password: the last "@" ends the userinfo
        (
            "postgresql://qbdsync:S3c@retPW@127.0.0.1:1/db",
            "postgresql://qbdsync:***@127.0.0.1:1/db",
        ),
        (
            "postgresql://qbdsync:S3c@ret@PW@db/x?sslmode=require",
            "postgresql://qbdsync:***@db/x?sslmode=require",
        ),
        # a password with "/" and ":" unencoded
        ("postgresql://qbdsync:S3c/re:tPW@db/x", "postgresql://qbdsync:***@db/x"),
    ],
)
def test_the_password_is_everything_up_to_the_last_at_sign(url: str, masked: str) -> None:
    assert mask_database_url(url) == masked
    assert redact_text(f"error: {url} failed") == f"error: {masked} failed"


@pytest.mark.parametrize(
    "url",
    [
        f"host=127.0.0.1 password={SECRET}",
        f"postgresql://u:{SECRET}@127.0.0.1:notaport/db",
        f"postgresql://u:{SECRET}@[::1/db",
        f"db.example.com password={SECRET}",
    ],
)
def test_a_database_url_that_does_not_parse_is_never_echoed(url: str) -> None:
    masked = mask_database_url(url)
    assert SECRET not in masked
    assert "127.0.0.1" not in masked and "db.example.com" not in masked


@pytest.mark.parametrize(
    "text",
    [
        f"connection failed: host=db password={SECRET} port=5432",
        f"dsn 'host=db password='{SECRET} x' user=q'",
        f"PASSWORD = {SECRET}",
    ],
)
def test_libpq_keyword_passwords_are_masked_in_free_text(text: str) -> None:
    assert SECRET not in redact_text(text)


def test_a_known_secret_is_masked_wherever_a_driver_quotes_it() -> None:
    message = f"failed to resolve host 'ret{SECRET}@127.0.0.1' (S3c%40ret{SECRET})"
    clean = redact_known(message, f"S3c@ret{SECRET}", SECRET)
    assert SECRET not in clean and "127.0.0.1" in clean


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (f"https://bob:{SECRET}@hooks.example.com/in", "https://bob:***@hooks.example.com/in"),
        (
            f"https://hooks.example.com/in?token={SECRET}&x=1",
            "https://hooks.example.com/in?token=***&x=1",
        ),
        ("https://sync.example.com/qbwc", "https://sync.example.com/qbwc"),
    ],
)
def test_other_urls_lose_their_userinfo_password_and_secret_parameters(
    url: str, masked: str
) -> None:
    assert mask_url(url) == masked


def test_free_text_loses_every_secret_and_keeps_the_rest() -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
    text = (
        f"delivery to https://bob:{SECRET}@h.example.com/a failed; "
        f"db postgresql+psycopg://qbdsync:{SECRET}@db/x; "
        f'"GET /link/{token}/qwc HTTP/1.1" 200; ?password={SECRET}&keep=1; '
        "http://127.0.0.1:8000/docs stays"
    )
    clean = redact_text(text)
    assert SECRET not in clean and token not in clean
    assert "https://bob:***@h.example.com/a" in clean
    assert "postgresql+psycopg://qbdsync:***@db/x" in clean
    assert "/link/***/qwc" in clean
    assert "?password=***&keep=1" in clean
    assert "http://127.0.0.1:8000/docs stays" in clean


def test_the_log_filter_cleans_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("posting to %s failed", f"https://u:{SECRET}@example.com/hook")
        try:
            raise RuntimeError(f"cannot open postgresql://q:{SECRET}@db/x")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert SECRET not in written
    assert "https://u:***@example.com/hook" in written
    assert "RuntimeError: cannot open postgresql://q:***@db/x" in written


def test_printed_settings_hide_the_database_password_and_the_secret_key() -> None:
    settings = Settings(
        database_url=f"postgresql://qbdsync:{SECRET}@db/qbdsync",
        secret_key="k" * 40,
    )  # type: ignore[call-arg]
    for text in (repr(settings), str(settings)):
        assert SECRET not in text and "k" * 40 not in text
        assert "postgresql://qbdsync:***@db/qbdsync" in text
    assert settings.database_url.endswith(f":{SECRET}@db/qbdsync")  # the value itself is intact
