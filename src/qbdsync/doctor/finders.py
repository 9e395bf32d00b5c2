"""What one log record shows: the catalogue codes of the problems it names.

A record names a problem by a code (a QBWC code, a QuickBooks hresult in any spelling, a qbXML
status code in a dumped response, authenticate's `nvu`/`busy`) or in words (a .NET network or
TLS error, QuickBooks' own messages, qbdsync's texts). One pre-filter regex runs on every
record; the rules behind it only on the few records it lets through, so a 100 MB log of idle
polls costs one search per line.
"""

from __future__ import annotations

import re
from typing import Final

from qbdsync.diagnosis import entries_qbwc, entries_service
from qbdsync.diagnosis.catalogue import explain
from qbdsync.diagnosis.explanation import normalise_code

UNKNOWN_CODE: Final = entries_qbwc.UNKNOWN_CODE

_I: Final = re.IGNORECASE
_QBWC_CODE: Final = re.compile(r"\bQBWC(\d{3,4})\b", _I)
# 0x80040408, hr = 80040408, hresult="80040408", hResult=0x…, and the signed COM form.
_HRESULT: Final = re.compile(
    r"(?:\b0x|\bhr\s*=\s*|\bhresult\s*=\s*\"?(?:0x)?)(8004[0-9a-f]{4})\b|(?<![\w-])(-21472\d{5})\b",
    _I,
)
_STATUS: Final = re.compile(r"\bstatusCode\s*=\s*\"(\d{1,5})\"", _I)
_AUTH_ANSWER: Final = re.compile(r"authRet\[1\]\s*=\s*\"?([^\"<>]*)", _I)

# (code, words that name the problem); the first rule of a code that matches counts.
_WORDS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    (
        entries_qbwc.HTTPS_PROBLEM,
        re.compile(
            r"trust relationship for the SSL/TLS|SSL/TLS secure channel|remote certificate is "
            r"invalid|unexpected error occurred on a send|certificate chain|"
            r"server certificate (?:has expired|is not valid)|https is required",
            _I,
        ),
    ),
    (
        entries_qbwc.SERVICE_UNREACHABLE,
        re.compile(
            r"unable to connect to the remote server|remote name could not be resolved|"
            r"actively refused|operation has timed out|no such host is known|"
            r"request failed with HTTP status (?:404|5\d\d)|\((?:404|50[0-4])\) |"
            r"connection was closed unexpectedly|network is unreachable",
            _I,
        ),
    ),
    (
        entries_qbwc.SECOND_QUICKBOOKS,
        re.compile(
            r"multiple instances of QuickBooks|more than one (?:copy|instance) of QuickBooks|"
            r"(?:another|a second) (?:copy|instance) of QuickBooks",
            _I,
        ),
    ),
    (
        entries_qbwc.WRONG_COMPANY_FILE,
        re.compile(
            r"not the one this Web Connector entry is linked to|company file open in "
            r"QuickBooks is not the one",
            _I,
        ),
    ),
    ("0x8004041D", re.compile(r"not allowed to log ?in(?:to)?\b.{0,80}automatically", _I)),
    ("0x8004041E", re.compile(r"certificate (?:has )?expired|expired certificate", _I)),
    ("0x8004042C", re.compile(r"certificate (?:has been |was |is )?revoked", _I)),
    (
        "0x80040418",
        re.compile(r"has not accessed this QuickBooks company (?:data )?file before", _I),
    ),
    (
        entries_qbwc.ONE_TIME_SYNC_DONE,
        re.compile(r"one-time sync|set up for a single sync|deauthorized, as designed", _I),
    ),
    (
        entries_service.INACTIVE,
        re.compile(r"connection is no longer active|connection was unlinked", _I),
    ),
    (entries_service.DELETED, re.compile(r"this connection was deleted", _I)),
    (entries_service.BUSY, re.compile(r"qbdsync: busy:", _I)),
    (entries_qbwc.INVALID_USER, re.compile(r"invalid user(?:name)? (?:or|and|/) ?password", _I)),
)

# Any of the above: the pre-filter.
_ANY: Final = re.compile(
    "|".join(
        [
            r"QBWC\d",
            r"8004[0-9a-f]{4}",
            r"-21472\d{5}",
            r"statusCode",
            r"authRet\[1\]",
            *(p.pattern for _, p in _WORDS),
        ]
    ),
    _I,
)

# The standard text of 0x8004040A names "multiple instances" as one possible cause; with it,
# the hresult's own entry (another file, or several copies) says it better than a guess.
_OTHER_FILE_TEXT: Final = re.compile(r"already open and it is different from the one", _I)
# A specific cause makes a generic code of the same record redundant.
_SUPERSEDES: Final[dict[str, tuple[str, ...]]] = {
    entries_qbwc.SERVICE_UNREACHABLE: ("QBWC1012",),
    entries_qbwc.HTTPS_PROBLEM: ("QBWC1012",),
    "QBWC1048": (entries_qbwc.HTTPS_PROBLEM, "QBWC1012"),
    entries_qbwc.ONE_TIME_SYNC_DONE: (entries_service.INACTIVE,),
}
# Status codes below this are kept data (warnings) and not worth a finding.
_FIRST_ERROR_STATUS: Final = 1000


def codes_in(text: str) -> list[str]:
    """The catalogue codes of the problems `text` (one record) names, each once, in order;
    a QBWC code or an hresult the catalogue lacks gives UNKNOWN_CODE."""
    if _ANY.search(text) is None:
        return []
    found: dict[str, None] = {}
    for match in _QBWC_CODE.finditer(text):
        _add_known(found, f"QBWC{match.group(1)}")
    for match in _HRESULT.finditer(text):
        _add_known(
            found, normalise_code("0x" + match.group(1) if match.group(1) else match.group(2))
        )
    for match in _STATUS.finditer(text):
        status = int(match.group(1))
        if status >= _FIRST_ERROR_STATUS and explain(status) is not None:
            found.setdefault(str(status), None)
    for match in _AUTH_ANSWER.finditer(text):
        answer = match.group(1).strip().lower()
        if answer == "nvu":
            found.setdefault(entries_qbwc.INVALID_USER, None)
        elif answer == "busy":
            found.setdefault(entries_service.BUSY, None)
    for code, words in _WORDS:
        if code not in found and words.search(text):
            if code == entries_qbwc.SECOND_QUICKBOOKS and _OTHER_FILE_TEXT.search(text):
                continue
            found.setdefault(code, None)
    for specific, generic in _SUPERSEDES.items():
        if specific in found:
            for code in generic:
                found.pop(code, None)
    return list(found)


def _add_known(found: dict[str, None], code: str) -> None:
    found.setdefault(code if explain(code) is not None else UNKNOWN_CODE, None)


def authenticate_answer(text: str) -> str | None:
    """authenticate's second answer in a record (`""`, `none`, `nvu`, `busy`, a .qbw path)."""
    match = _AUTH_ANSWER.search(text)
    return match.group(1).strip() if match is not None else None
