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

from qbdsync.diagnosis import entries_connection, entries_health_check
from qbdsync.diagnosis.explanation import Explanation, normalise_code

ENTRIES: Final[tuple[Explanation, ...]] = (
    *entries_connection.ENTRIES,
    *entries_health_check.ENTRIES,
)


def explain(code: str | int) -> Explanation | None:
    """The entry for a code, or None when the catalogue has none."""
    return _BY_CODE.get(normalise_code(code))


def entry(key: str) -> Explanation:
    """The entry with this key (KeyError for an unknown key: keys are ours, a typo is a bug)."""
    return _BY_KEY[key]


_BY_CODE: Final[dict[str, Explanation]] = {code: e for e in ENTRIES for code in e.codes}
_BY_KEY: Final[dict[str, Explanation]] = {e.key: e for e in ENTRIES}
