"""What to do about a qbXML status code or a QuickBooks HRESULT.

Every ``…Rs`` element carries its own status, and one multi-request reply can mix successes,
warnings and failures, so the sync engine asks this module per response what recovery applies.
HRESULTs arrive separately (``connectionError`` / ``receiveResponseXML``) when QuickBooks could
not run a request at all; those come with plain steps for the person at the QuickBooks PC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from qbdsync.diagnosis.catalogue import web_connector_text
from qbdsync.untrusted import quote_untrusted


class Recovery(StrEnum):
    """How the caller recovers from a QuickBooks outcome: the one vocabulary for it.

    A ``…Rs`` status code (`classify_status`) and an HRESULT (`describe_hresult`) both map to
    one of these; the engine turns it into a dataset run's status, the session into what the
    Web Connector is told, and sync errors store its value. The write outcomes (a stale
    EditSequence, a name in use, a closed period) are here already so that writes add no
    second vocabulary; a read query never meets them.
    """

    OK = "ok"
    EMPTY = "empty"  # status 1: no matching object, an empty page, not an error
    KEEP_WARN = "keep_warn"  # 500-999: keep whatever came back and note the warning
    RETRY_NEXT_SESSION = "retry_next_session"  # QuickBooks busy / locked: try again later
    RESTART_DATASET = "restart_dataset"  # 3391: the iterator died, restart from the watermark
    NOT_SUPPORTED = "not_supported"  # 3250: this edition/version lacks the feature
    VALIDATION = "validation"  # QuickBooks refused the data: tell the sender, do not retry
    # 3200: the record changed in QuickBooks since it was read (a stale EditSequence): re-read
    # it and retry the write once; refused again, it is a conflict to report to the sender.
    REREAD_AND_RETRY = "reread_and_retry"
    NAME_IN_USE = "name_in_use"  # 3100: another list entry has the name: tell the sender
    CLOSED_PERIOD = "closed_period"  # 3171: dated on or before the closing date: tell the sender
    PERMISSION = "permission"  # the QuickBooks user must grant access
    FATAL_REQUEST = "fatal_request"  # our request is wrong: a bug, stop and tell an operator


_WARN_FIRST: Final = 500
_ERROR_FIRST: Final = 1000

# The error codes (1000 and up) QuickBooks' documentation gives a specific recovery for;
# every other error code is a request we built wrong (FATAL_REQUEST).
_ERROR_CODES: Final[dict[int, Recovery]] = {
    1000: Recovery.RETRY_NEXT_SESSION,  # an internal QuickBooks error: usually transient
    3000: Recovery.VALIDATION,  # an invalid object id
    3100: Recovery.NAME_IN_USE,
    3120: Recovery.VALIDATION,  # object not found
    3140: Recovery.VALIDATION,  # an invalid reference in a line
    3170: Recovery.RETRY_NEXT_SESSION,  # the list was modified by another user
    3171: Recovery.CLOSED_PERIOD,
    3175: Recovery.RETRY_NEXT_SESSION,  # the record is in use
    3176: Recovery.RETRY_NEXT_SESSION,  # the record could not be locked
    3200: Recovery.REREAD_AND_RETRY,
    3210: Recovery.VALIDATION,  # an invalid value (e.g. paying more than is due)
    3250: Recovery.NOT_SUPPORTED,
    3260: Recovery.PERMISSION,  # insufficient permission
    3261: Recovery.PERMISSION,  # no access to personal data
    3391: Recovery.RESTART_DATASET,
}
_SAVE_REFUSED: Final = 3180

# 3180 ("there was an error when saving …") carries both transient lock conflicts and permanent
# refusals such as an exceeded credit limit; only the message tells them apart.
_LOCKED_MESSAGE: Final = re.compile(r"\block(?:ed)?\b|\bin use\b|being edited|another user", re.I)


def classify_status(code: int, severity: str, message: str) -> Recovery:
    """Map one ``…Rs`` status to a recovery action.

    ``severity`` is accepted for completeness but the code ranges decide: QuickBooks' ranges are
    0-499 Info, 500-999 Warn, 1000+ Error, and a mismatch between the two is not something a
    caller could act on differently.
    """
    del severity  # the code ranges are authoritative (see docstring)
    if code == 0:
        return Recovery.OK
    if code == 1:
        return Recovery.EMPTY
    if code < _WARN_FIRST:
        return Recovery.OK  # other informational statuses carry data as usual
    if code < _ERROR_FIRST:
        return Recovery.KEEP_WARN
    if code == _SAVE_REFUSED:
        if _LOCKED_MESSAGE.search(message):
            return Recovery.RETRY_NEXT_SESSION
        return Recovery.VALIDATION
    return _ERROR_CODES.get(code, Recovery.FATAL_REQUEST)


@dataclass(frozen=True)
class HResultInfo:
    """A QuickBooks HRESULT explained for the SMB user, with the recovery for the engine."""

    code: int  # unsigned 32-bit, e.g. 0x80040400
    name: str  # a short technical name for logs
    user_message: str  # for the person at the QuickBooks PC: the catalogue's words and steps
    recovery: Recovery

    @property
    def hex(self) -> str:
        """The code as QuickBooks and its logs print it: ``0x80040400``."""
        return f"0x{self.code:08X}"


_RETRY: Final = Recovery.RETRY_NEXT_SESSION

# The technical name and the recovery of each failure; what the QuickBooks user is told is the
# catalogue's entry for it (qbdsync.diagnosis), so the Web Connector, the API and the doctor say
# the same. 0x80040423 (version not supported) is FATAL_REQUEST: we negotiate the version from
# what QuickBooks reports, so seeing it means our negotiation is wrong; retrying the same
# request could not help.
_HRESULTS: Final[dict[int, tuple[str, Recovery]]] = {
    0x80040400: ("request_not_parsed", Recovery.FATAL_REQUEST),
    0x80040401: ("cannot_access_quickbooks", _RETRY),
    0x80040402: ("unexpected_error", _RETRY),
    0x80040408: ("cannot_start_quickbooks", _RETRY),
    0x8004040A: ("other_company_file_open", _RETRY),
    0x8004040D: ("invalid_ticket", _RETRY),
    0x80040410: ("wrong_file_mode", _RETRY),
    0x80040414: ("modal_dialog_open", _RETRY),
    0x80040416: ("quickbooks_not_running", _RETRY),
    0x80040418: ("application_not_authorised", Recovery.PERMISSION),
    0x8004041A: ("application_not_permitted", Recovery.PERMISSION),
    0x8004041B: ("unable_to_lock", _RETRY),
    0x8004041C: ("internal_quickbooks_error", _RETRY),
    0x8004041D: ("automatic_login_not_allowed", _RETRY),
    0x8004041E: ("certificate_expired", _RETRY),
    0x8004041F: ("edition_cannot_accept_xml", _RETRY),
    0x80040420: ("access_denied_by_user", Recovery.PERMISSION),
    0x80040422: ("single_user_mode_required", _RETRY),
    0x80040423: ("qbxml_version_not_supported", Recovery.FATAL_REQUEST),
    0x80040424: ("quickbooks_still_starting", _RETRY),
    0x80040427: ("quickbooks_unregistered", _RETRY),
    0x8004042A: ("remote_access_not_allowed", _RETRY),
    0x8004042C: ("certificate_revoked", _RETRY),
}

_UINT32: Final = 1 << 32


def parse_hresult(hresult: str | int) -> int:
    """Read an HRESULT as an unsigned 32-bit int.

    Accepts ``"0x80040400"``, ``"80040400"`` (hex without prefix, as QBWC logs it), the signed
    decimal COM form ``"-2147220480"`` and ints (signed or unsigned). Raises ValueError otherwise.
    """
    if isinstance(hresult, int):
        value = hresult
    else:
        text = hresult.strip()
        if text.lower().startswith("0x"):
            value = int(text[2:], 16)
        elif text.startswith("-"):
            value = int(text, 10)
        elif re.fullmatch(r"[0-9A-Fa-f]{8}", text):
            # Eight hex digits: the unprefixed form. A decimal HRESULT this short would be a
            # success code, which QuickBooks never reports as a failure.
            value = int(text, 16)
        else:
            value = int(text, 10)
    if not -(1 << 31) <= value < _UINT32:
        raise ValueError(f"HRESULT out of 32-bit range: {hresult!r}")
    return value % _UINT32


def describe_hresult(hresult: str | int) -> HResultInfo:
    """Explain a QuickBooks HRESULT; an unknown or unreadable one gets a generic retry."""
    try:
        code = parse_hresult(hresult)
    except ValueError:
        return HResultInfo(
            code=0,
            name="unreadable_hresult",
            user_message=f"QuickBooks reported an error ({quote_untrusted(repr(hresult))}). "
            "Run the update again; "
            "if it keeps happening, contact support.",
            recovery=_RETRY,
        )
    known = _HRESULTS.get(code)
    if known is not None:
        name, recovery = known
        message = web_connector_text(f"0x{code:08X}")
        return HResultInfo(code=code, name=name, user_message=message, recovery=recovery)
    return HResultInfo(
        code=code,
        name="unknown_hresult",
        user_message=f"QuickBooks reported error 0x{code:08X}. Run the update again; if it keeps "
        "happening, contact support with this code.",
        recovery=_RETRY,
    )
