"""Secrets out of everything qbdsync prints or logs: passwords in URLs and link tokens.

Database URLs are masked with SQLAlchemy's own renderer (it knows every form its URLs take);
other URLs with urllib. `redact_text` finds them inside free text (log lines, error messages),
and `RedactingFilter` applies it to every log record a handler writes, as a safety net under
the explicit masking at each place that prints a URL.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"

# Query parameters that carry a secret (libpq accepts `?password=`; webhook consumers often
# put a token in the query string).
_SECRET_PARAMS = frozenset(
    {"password", "passwd", "pwd", "sslpassword", "token", "secret", "api_key", "apikey", "key"}
)

# `scheme://user:password@` anywhere in a text. The password runs to the LAST "@" of the
# word: an unencoded "@" in a password (`S3c@ret`) is common, and stopping at the first one
# would print the rest of it. (A path with an "@" after a port then loses its port too: more
# is masked than needed, never less.)
_USERINFO = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*):(?P<secret>[^\s'\"]*)@"
)
# libpq's keyword form (`host=db password=S3cret`, quoted values included), as drivers and
# operators write it.
_KEYWORD_SECRET = re.compile(
    r"(?P<head>(?<![\w?&])(?:password|passwd|pwd|sslpassword)\s*=\s*)"
    r"(?P<secret>'(?:[^'\\]|\\.)*'?|[^\s&#]+)",
    re.IGNORECASE,
)
# A URL's scheme, to name an unparseable URL without echoing any of it.
_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_SECRET_QUERY = re.compile(
    r"(?P<head>[?&](?:" + "|".join(sorted(_SECRET_PARAMS)) + r")=)(?P<secret>[^\s&#]+)",
    re.IGNORECASE,
)
# A link URL's token (/link/<token>[/qwc|/password|/status]) opens the SMB user's page: it is
# a credential. Operators get it from `qbdsync connection link`; logs never carry it.
_LINK_TOKEN = re.compile(r"(?P<head>/link/)(?P<secret>[A-Za-z0-9_\-]{16,})")


def split_userinfo(url: str) -> tuple[str, str, str | None, str] | None:
    """`scheme://user[:password]@rest` split at the LAST "@" before the query: (scheme, user,
    password, rest), user and password as typed; None when the URL has no userinfo.

    SQLAlchemy (like libpq) ends the password at its first "@", so `u:S3c@ret@db` would
    connect to host `ret@db` and print half the password as a host name. RFC 3986 forbids an
    unencoded "@" in userinfo; read leniently, the last one is the one that ends it.
    """
    scheme, sep, rest = url.partition("://")
    if not sep or rest.startswith("/"):  # sqlite:///path: a path, never userinfo
        return None
    authority = rest.partition("?")[0]
    userinfo, at, host_and_path = authority.rpartition("@")
    if not at:
        return None
    user, colon, password = userinfo.partition(":")
    query = rest[len(authority) :]
    return scheme, user, password if colon else None, host_and_path + query


def encode_userinfo(url: str) -> str:
    """`url` with its userinfo (as `split_userinfo` reads it) percent-encoded, so that
    SQLAlchemy reads the user and password the operator meant. Encoded values stay as they
    are (decoded first, encoded once)."""
    parts = split_userinfo(url)
    if parts is None:
        return url
    scheme, user, password, rest = parts
    userinfo = quote(unquote(user), safe="")
    if password is not None:
        userinfo += ":" + quote(unquote(password), safe="")
    return f"{scheme}://{userinfo}@{rest}"


def describe_unparseable(url: str) -> str:
    """What to print for a URL that does not parse: its scheme only, never the rest (the rest
    may hold a password SQLAlchemy could not find, e.g. libpq's `password=` keyword form)."""
    if re.match(r"^\s*[A-Za-z_]+\s*=", url):
        return "a libpq keyword string (host=… password=…), not a URL"
    match = _SCHEME.match(url)
    if match is not None:
        return f"a {match['scheme']}:// URL that does not parse"
    return "a value that is not a URL"


def mask_database_url(url: str | URL) -> str:
    """A database URL safe to print: its password (also one given as `?password=`) masked.

    A URL that does not parse is never echoed, only described (`describe_unparseable`).
    """
    try:
        parsed = make_url(encode_userinfo(url) if isinstance(url, str) else url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return describe_unparseable(str(url))
    secret = {key: MASK for key in parsed.query if key.lower() in _SECRET_PARAMS}
    if secret:
        parsed = parsed.update_query_dict(secret)
    # SQLAlchemy percent-encodes the query's mask; show it as the password's is shown.
    return parsed.render_as_string(hide_password=True).replace(quote(MASK), MASK)


def redact_known(text: str, *secrets: str | None) -> str:
    """`redact_text(text)` with every given secret (as typed, or percent-encoded) masked too,
    wherever it appears: driver messages quote host names and connection strings in forms
    no pattern foresees."""
    for secret in secrets:
        if secret:
            for form in {secret, quote(secret, safe="")}:
                text = text.replace(form, MASK)
    return redact_text(text)


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
    text = _KEYWORD_SECRET.sub(lambda m: f"{m['head']}{MASK}", text)
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
