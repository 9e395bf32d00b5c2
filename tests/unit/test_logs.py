"""Log lines: UTC time stamps, levels and process ids, as text or JSON, secrets masked, one
handler however often logging is configured, uvicorn's loggers writing through it."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from qbdsync.api.access_log import request_target
from qbdsync.logs import UVICORN_ACCESS_LOGGER, configure_logging

SECRET = "S3cretPW"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
TEXT_LINE = re.compile(rf"^{TIME} (?P<level>[A-Z]+) \[\d+\] (?P<logger>\S+): (?P<msg>.*)$")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    uvicorn = {
        name: (logging.getLogger(name).propagate, list(logging.getLogger(name).handlers))
        for name in ("uvicorn", "uvicorn.error", UVICORN_ACCESS_LOGGER)
    }
    yield
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])
    for name, (propagate, handlers) in uvicorn.items():
        logging.getLogger(name).propagate = propagate
        logging.getLogger(name).handlers[:] = handlers


def test_text_lines_have_a_utc_time_a_level_and_the_process() -> None:
    stream = io.StringIO()
    configure_logging("text", "INFO", stream=stream)
    logging.getLogger("qbdsync.example").info("hello %s", "there")
    logging.getLogger("qbdsync.example").debug("not at INFO")
    (line,) = stream.getvalue().splitlines()
    match = TEXT_LINE.match(line)
    assert match is not None, line
    assert match.groupdict() == {"level": "INFO", "logger": "qbdsync.example", "msg": "hello there"}


def test_json_lines_parse_and_keep_a_message_on_one_line() -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    log = logging.getLogger("qbdsync.example")
    log.debug("two\nlines from postgresql://u:%s@db/x", SECRET)
    try:
        raise RuntimeError(f"failed on postgresql://u:{SECRET}@db/x")
    except RuntimeError:
        log.exception("with a traceback")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert set(first) == {"time", "level", "logger", "process", "message"}
    assert (
        first["level"] == "DEBUG" and first["message"] == "two\nlines from postgresql://u:***@db/x"
    )
    assert re.fullmatch(TIME, first["time"])
    assert second["level"] == "ERROR" and "RuntimeError" in second["exception"]
    assert SECRET not in stream.getvalue()


def test_configuring_again_replaces_the_handler_and_keeps_others() -> None:
    other = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(other)
    first, second = io.StringIO(), io.StringIO()
    configure_logging("text", "INFO", stream=first)
    configure_logging("json", "WARNING", stream=second)
    logging.getLogger("qbdsync.example").warning("once")
    assert first.getvalue() == "" and len(second.getvalue().splitlines()) == 1
    assert other in logging.getLogger().handlers
    with pytest.raises(ValueError, match="log format"):
        configure_logging("xml", "INFO")


def test_uvicorn_logs_through_the_handler_and_its_access_log_stays_off() -> None:
    stream = io.StringIO()
    logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler(io.StringIO()))
    configure_logging("text", "INFO", stream=stream)
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    assert "INFO" in stream.getvalue() and "uvicorn.error: Application startup" in stream.getvalue()
    assert not logging.getLogger(UVICORN_ACCESS_LOGGER).hasHandlers()


def test_sql_statements_and_rows_are_never_logged_even_at_debug() -> None:
    stream = io.StringIO()
    configure_logging("text", "DEBUG", stream=stream)
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("SELECT :secret"), {"secret": SECRET}).all()
    engine.dispose()
    assert SECRET not in stream.getvalue()
    assert "sqlalchemy" not in stream.getvalue()


@pytest.mark.parametrize(
    ("raw_path", "query", "logged"),
    [
        (b"/companies", b"page=2", "/companies?page=2"),
        (b"/link/" + b"a" * 40 + b"/qwc", b"", "/link/***/qwc"),
        (b"/webhooks", b"token=" + SECRET.encode(), "/webhooks?token=***"),
        (b"/x%0a\xff", b"", "/x%0a\\xff"),
    ],
)
def test_access_log_targets_are_one_line_with_secrets_masked(
    raw_path: bytes, query: bytes, logged: str
) -> None:
    scope = {"path": raw_path.decode("latin-1"), "raw_path": raw_path, "query_string": query}
    assert request_target(scope) == logged
