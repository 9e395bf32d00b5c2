"""Logging for every qbdsync process, configured once at start-up (`configure_logging`).

One handler on the root logger writes every record to standard error: qbdsync's own loggers,
uvicorn's (stripped of handlers of their own, so their lines look like ours) and the libraries'.
Lines carry a UTC time stamp, the level and the process id (a server runs several workers),
as text or as one JSON object per line for log collectors.

Secrets: the handler's RedactingFilter masks URL passwords and link tokens in every record, and
SQLAlchemy's loggers stay at WARNING whatever the level asked for, because its INFO and DEBUG
records are SQL parameters and result rows (password digests, signing secrets, tickets).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from qbdsync.redact import RedactingFilter, install_log_redaction, redact_text

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")

# Loggers whose records below WARNING hold secrets or whole payloads: never written.
# (SQLAlchemy sets its own to WARNING when imported; a DEBUG root must not change that.)
PINNED_LEVELS = {"sqlalchemy": logging.WARNING}

# uvicorn's loggers, which its default configuration gives handlers and formats of their own.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
# uvicorn writes its access log only when this logger has a handler, its ancestors' included:
# it stays without one. qbdsync.access (QBDSYNC_ACCESS_LOG) logs requests, with durations.
UVICORN_ACCESS_LOGGER = "uvicorn.access"

# Attributes an access record carries (qbdsync.api.access_log), written as JSON fields.
ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "client")

_HANDLER_NAME = "qbdsync"


def utc_time(created: float) -> str:
    """A record's time: UTC, ISO 8601, milliseconds (`2026-12-02T06:00:00.123Z`)."""
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`TIME LEVEL [PID] LOGGER: MESSAGE`, the traceback (already redacted) on the lines below."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return utc_time(record.created)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message (and exception, and an
    access record's fields). Control characters in a message are JSON-escaped, so a message
    never spans lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        for field in ACCESS_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = redact_text(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_text(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = redact_text(self.formatStack(record.stack_info))
        return orjson.dumps(entry, default=str).decode()


def configure_logging(
    log_format: str = "text", level: str = "WARNING", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Write every log record at `level` or above to `stream` (standard error) as `log_format`.

    Called again (a server worker after the CLI, a test), it replaces the handler it installed
    before and leaves any other handler alone. Returns the handler.
    """
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}: use one of {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for name, pinned in PINNED_LEVELS.items():
        logging.getLogger(name).setLevel(pinned)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    uvicorn_access = logging.getLogger(UVICORN_ACCESS_LOGGER)
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    install_log_redaction()  # any other handler (a test's capture) gets the filter too
    return handler
