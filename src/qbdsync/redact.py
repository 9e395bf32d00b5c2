"""Secrets out of everything qbdsync prints or logs: passwords in URLs and link tokens.

Database URLs are masked with SQLAlchemy's own renderer (it knows every form its URLs take);
other URLs with urllib. `redact_text` finds them inside free text (log lines, error messages),
and `RedactingFilter` applies it to every log record a handler writes, as a safety net under
the explicit masking at each place that prints a URL.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"

# Query parameters that carry a secret (libpq accepts `?password=`; webhook consumers often
# put a token in the query string).
_SECRET_PARAMS = frozenset(
    {"password", "passwd", "pwd", "sslpassword", "token", "secret", "api_key", "apikey", "key"}
)

# `scheme://user:password@` anywhere in a text. The password stops at "/" so that a port
# followed by an "@" later in a path is not taken for one.
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):(?P<secret>[^\s@/]*)@")
_SECRET_QUERY = re.compile(
    r"(?P<head>[?&](?:" + "|".join(sorted(_SECRET_PARAMS)) + r")=)(?P<secret>[^\s&#]+)",
    re.IGNORECASE,
)
# A link URL's token (/link/<token>[/qwc|/password|/status]) opens the SMB user's page: it is
# a credential. Operators get it from `qbdsync connection link`; logs never carry it.
_LINK_TOKEN = re.compile(r"(?P<head>/link/)(?P<secret>[A-Za-z0-9_\-]{16,})")


def mask_database_url(url: str | URL) -> str:
    """A database URL safe to print: its password (also one given as `?password=`) masked."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return redact_text(str(url))  # not a URL SQLAlchemy knows: mask what looks like one
    secret = {key: MASK for key in parsed.query if key.lower() in _SECRET_PARAMS}
    if secret:
        parsed = parsed.update_query_dict(secret)
    # SQLAlchemy percent-encodes the query's mask; show it as the password's is shown.
    return parsed.render_as_string(hide_password=True).replace(quote(MASK), MASK)


def mask_url(url: str) -> str:
    """Any URL safe to print: the password of its userinfo and secret query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if parts.password is not None:
        host = netloc.rpartition("@")[2]
        netloc = f"{quote(parts.username or '', safe='')}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in _SECRET_PARAMS for key, _ in pairs):
            query = urlencode(
                [(k, MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """`text` with URL passwords, secret query values and link tokens masked wherever they are."""
    if "://" not in text and "/link/" not in text and "=" not in text:
        return text  # the common case for log lines: nothing to look for
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    text = _SECRET_QUERY.sub(lambda m: f"{m['head']}{MASK}", text)
    return _LINK_TOKEN.sub(lambda m: f"{m['head']}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message and traceback before a handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def install_log_redaction() -> None:
    """Put a RedactingFilter on every handler configured so far (root, uvicorn's, ours).

    Filters on a logger do not see records propagated from its children; filters on handlers
    see everything they write, which is what must be clean. Without a root handler Python
    writes warnings through its unfiltered last-resort handler, so one is added.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    loggers = [logging.getLogger()] + [
        value
        for value in logging.Logger.manager.loggerDict.values()
        if isinstance(value, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
