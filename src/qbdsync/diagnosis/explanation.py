"""The shape of a catalogue entry, and the one spelling of every code."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Actor(StrEnum):
    """Who must act for the problem to go away ("don't page the operator for what only the SMB
    user can fix")."""

    SMB_USER = "smbUser"  # at the QuickBooks PC: start the Web Connector, grant access, …
    OPERATOR = "operator"  # the qbdsync operator: configuration, certificates, a bug
    NOBODY = "nobody"  # transient: it clears by itself on a later session


@dataclass(frozen=True)
class Explanation:
    """One catalogue entry."""

    key: str  # stable, kebab-case: the documentation's anchor and the API's error key
    codes: tuple[str, ...]  # the codes that mean this problem (normalised, see `normalise_code`)
    title: str  # a short heading
    user_message: str  # for the SMB user: plain words, no codes
    fix_steps: tuple[str, ...]  # what to do, in order
    operator_detail: str  # for the operator: the technical detail
    can_be_retried: bool  # retrying (the next session) can succeed without anybody acting
    who_acts: Actor
    see_also: tuple[str, ...] = field(default=())  # keys of related entries


def normalise_code(code: str | int) -> str:
    """One spelling per code: hresults as ``0x`` + upper-case hex digits (8 of them), QBWC codes
    upper-case, status codes as decimal text."""
    text = str(code).strip()
    lowered = text.lower()
    if lowered.startswith("0x"):
        digits = lowered[2:]
        try:
            return f"0x{int(digits, 16):08X}"
        except ValueError:
            return text
    if lowered.startswith("qbwc"):
        return text.upper()
    if lowered.lstrip("-").isdigit():
        number = int(lowered)
        if number < 0:  # a negative hresult as .NET prints it (-2147220472)
            return f"0x{number & 0xFFFFFFFF:08X}"
        if number >= 0x80000000:
            return f"0x{number:08X}"
        return str(number)
    return text
