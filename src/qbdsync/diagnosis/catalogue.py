"""The catalogue of explanations: every code a connector can meet, said once.

An entry answers, for one problem: what the SMB user is told (plain words, no codes), the steps
that fix it, what the operator is told (the technical detail), whether retrying helps and who
must act. Codes are QBWC codes (``QBWC1012``), COM hresults (``0x80040408``, upper-case hex
digits), qbXML status codes (``3175``) and qbdsync's own (``qbdsync:late``).

The SOAP service (getLastError / closeConnection texts), the API (``userFacingMessage``,
``canBeRetried``), the CLI, the doctor and the health of a connection all read it here. The
entries live in the ``entries_*`` modules, one per family of codes.
"""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis import (
    entries_connection,
    entries_health_check,
    entries_hresult,
    entries_qbwc,
    entries_service,
    entries_status,
)
from qbdsync.diagnosis.explanation import Explanation, normalise_code

ENTRIES: Final[tuple[Explanation, ...]] = (
    *entries_connection.ENTRIES,
    *entries_health_check.ENTRIES,
    *entries_qbwc.ENTRIES,
    *entries_hresult.ENTRIES,
    *entries_status.ENTRIES,
    *entries_service.ENTRIES,
)


def explain(code: str | int) -> Explanation | None:
    """The entry for a code, or None when the catalogue has none."""
    return _BY_CODE.get(normalise_code(code))


def entry(key: str) -> Explanation:
    """The entry with this key (KeyError for an unknown key: keys are ours, a typo is a bug)."""
    return _BY_KEY[key]


def for_code(code: str) -> Explanation:
    """The entry for one of our own code constants (KeyError when it has none: a bug)."""
    return _BY_CODE[normalise_code(code)]


def web_connector_text(code: str, fact: str = "", *, detail: str = "") -> str:
    """What the Web Connector shows (getLastError, closeConnection) for a problem with this code:
    the facts of the moment first, then the catalogue's message, `detail` (more facts that read
    best after it) and its fix steps, in one paragraph (QBWC shows a single string)."""
    found = for_code(code)
    fact = fact.strip()
    message = found.user_message
    if fact.endswith(":"):  # "qbdsync: this connection …": the message goes on the sentence
        message = message[:1].lower() + message[1:]
    parts = [fact, message, detail.strip(), *found.fix_steps]
    return " ".join(p for p in parts if p)


_BY_CODE: Final[dict[str, Explanation]] = {code: e for e in ENTRIES for code in e.codes}
_BY_KEY: Final[dict[str, Explanation]] = {e.key: e for e in ENTRIES}
