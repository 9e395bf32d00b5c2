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

from qbdsync.diagnosis import entries_connection, entries_qbwc, entries_service
from qbdsync.diagnosis.catalogue import explain
from qbdsync.diagnosis.explanation import normalise_code

UNKNOWN_CODE: Final = entries_qbwc.UNKNOWN_CODE

# Every rule runs on the record's text in lower case, and only when one of its literal
# keywords is in it (a substring test in C): most records are idle-poll chatter or XML dumps.
_QBWC_CODE: Final = re.compile(r"\bqbwc(\d{3,4})\b")
# 0x80040408, hr = 80040408, hresult="80040408", hResult=0x…, and the signed COM form.
_HRESULT: Final = re.compile(
    r"(?:\b0x|\bhr\s*=\s*|\bhresult\s*=\s*\"?(?:0x)?)(8004[0-9a-f]{4})\b|(?<![\w-])(-21472\d{5})\b"
)
_STATUS: Final = re.compile(r"\bstatuscode\s*=\s*\"(\d{1,5})\"")
_AUTH_ANSWER: Final = re.compile(r"authret\[1\]\s*=\s*\"?([^\"<>]*)")


def _rule(
    code: str, keywords: tuple[str, ...], pattern: str
) -> tuple[str, tuple[str, ...], re.Pattern[str]]:
    return code, keywords, re.compile(pattern)


# (code, keywords, words that name the problem): lower case.
_WORDS: Final = (
    _rule(
        entries_qbwc.HTTPS_PROBLEM,
        ("ssl", "certificate", "on a send", "https"),
        r"trust relationship for the ssl/tls|ssl/tls secure channel|remote certificate is "
        r"invalid|unexpected error occurred on a send|certificate chain|"
        r"server certificate (?:has expired|is not valid)|https is required",
    ),
    _rule(
        entries_qbwc.SERVICE_UNREACHABLE,
        (
            "remote",
            "refused",
            "timed out",
            "no such host",
            "http status",
            "(40",
            "(50",
            "unexpectedly",
            "unreachable",
        ),
        r"unable to connect to the remote server|remote name could not be resolved|"
        r"actively refused|operation has timed out|no such host is known|"
        r"request failed with http status (?:404|5\d\d)|\((?:404|50[0-4])\) |"
        r"connection was closed unexpectedly|network is unreachable",
    ),
    _rule(
        entries_qbwc.SECOND_QUICKBOOKS,
        ("instance", "copy of quickbooks"),
        r"multiple instances of quickbooks|more than one (?:copy|instance) of quickbooks|"
        r"(?:another|a second) (?:copy|instance) of quickbooks",
    ),
    _rule(
        entries_qbwc.WRONG_COMPANY_FILE,
        ("not the one",),
        r"not the one this web connector entry is linked to|company file open in "
        r"quickbooks is not the one",
    ),
    _rule("0x8004041D", ("automatically",), r"not allowed to log ?in(?:to)?\b.{0,80}automatically"),
    _rule("0x8004041E", ("expired",), r"certificate (?:has )?expired|expired certificate"),
    _rule("0x8004042C", ("revoked",), r"certificate (?:has been |was |is )?revoked"),
    _rule(
        "0x80040418",
        ("accessed this",),
        r"has not accessed this quickbooks company (?:data )?file before",
    ),
    _rule(
        entries_connection.DEAUTHORIZED,
        ("one-time", "single sync", "as designed"),
        r"one-time sync|set up for a single sync|deauthorized, as designed",
    ),
    _rule(
        entries_connection.UNLINKED,
        ("no longer active", "unlinked", "turned off"),
        r"connection is no longer active|connection was unlinked|connection was turned off",
    ),
    _rule(entries_service.DELETED, ("was deleted",), r"this connection was deleted"),
    _rule(entries_service.BUSY, ("busy:",), r"qbdsync: busy:"),
    _rule(
        entries_qbwc.INVALID_USER,
        ("password",),
        r"invalid user(?:name)? (?:or|and|/) ?password",
    ),
)
_CODE_KEYWORDS: Final = ("qbwc", "8004", "-21472", "statuscode", "authret[1]")
# Any keyword at all: the pre-filter, one search per record.
_KEYWORDS: Final = re.compile(
    "|".join(re.escape(k) for k in (*_CODE_KEYWORDS, *(k for _, keys, _ in _WORDS for k in keys)))
)

# The standard text of 0x8004040A names "multiple instances" as one possible cause; with it,
# the hresult's own entry (another file, or several copies) says it better than a guess.
_OTHER_FILE_TEXT: Final = "already open and it is different from the one"
# A specific cause makes a generic code of the same record redundant.
_SUPERSEDES: Final[dict[str, tuple[str, ...]]] = {
    entries_qbwc.SERVICE_UNREACHABLE: ("QBWC1012",),
    entries_qbwc.HTTPS_PROBLEM: ("QBWC1012",),
    "QBWC1048": (entries_qbwc.HTTPS_PROBLEM, "QBWC1012"),
    entries_connection.DEAUTHORIZED: (entries_connection.UNLINKED,),
}
# Status codes below this are kept data (warnings) and not worth a finding.
_FIRST_ERROR_STATUS: Final = 1000


def codes_in(text: str) -> list[str]:
    """The catalogue codes of the problems `text` (one record) names, each once, in order;
    a QBWC code or an hresult the catalogue lacks gives UNKNOWN_CODE."""
    low = text.lower()
    if _KEYWORDS.search(low) is None:
        return []
    found: dict[str, None] = {}
    if "qbwc" in low:
        for match in _QBWC_CODE.finditer(low):
            _add_known(found, f"QBWC{match.group(1)}")
    if "8004" in low or "-21472" in low:
        for match in _HRESULT.finditer(low):
            hresult = "0x" + match.group(1) if match.group(1) else match.group(2)
            _add_known(found, normalise_code(hresult))
    if "statuscode" in low:
        for match in _STATUS.finditer(low):
            status = int(match.group(1))
            if status >= _FIRST_ERROR_STATUS and explain(status) is not None:
                found.setdefault(str(status), None)
    if "authret[1]" in low:
        for match in _AUTH_ANSWER.finditer(low):
            answer = match.group(1).strip()
            if answer == "nvu":
                found.setdefault(entries_qbwc.INVALID_USER, None)
            elif answer == "busy":
                found.setdefault(entries_service.BUSY, None)
    for code, keywords, words in _WORDS:
        if code in found or not any(k in low for k in keywords) or not words.search(low):
            continue
        if code == entries_qbwc.SECOND_QUICKBOOKS and _OTHER_FILE_TEXT in low:
            continue
        found.setdefault(code, None)
    for specific, generic in _SUPERSEDES.items():
        if specific in found:
            for code in generic:
                found.pop(code, None)
    return list(found)


def _add_known(found: dict[str, None], code: str) -> None:
    found.setdefault(code if explain(code) is not None else UNKNOWN_CODE, None)


_AUTH_PATH: Final = re.compile(r"authRet\[1\]\s*=\s*\"?([^\"<>]*)", re.IGNORECASE)


def authenticate_answer(text: str) -> str | None:
    """authenticate's second answer in a record (`""`, `none`, `nvu`, `busy`, a .qbw path),
    as it was written."""
    if "authret[1]" not in text[:4096].lower():
        return None
    match = _AUTH_PATH.search(text)
    return match.group(1).strip() if match is not None else None
