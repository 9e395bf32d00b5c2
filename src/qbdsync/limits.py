"""Hostile-input limits of the Web Connector endpoint and the qbXML parser.

Their defaults live here, in a module with no dependencies, so that Settings (which turns them
into QBDSYNC_* variables) and the parsers (which tests and tools build without Settings) share
one value.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB

# -- SOAP parameters (characters of unescaped text) ---------------------------------------------
# QBWC user names and passwords are short lines a person types or pastes.
CREDENTIAL_CHARS = 4 * KIB
# strHCPResponse is QuickBooks' HostQuery, CompanyQuery and PreferencesQuery answers: tens of KB
# for a real company file.
HCP_RESPONSE_CHARS = 4 * MIB
# Every other parameter (tickets, hresults, messages, file names, version numbers) is a line.
PARAM_CHARS = 64 * KIB

# -- Large request bodies ------------------------------------------------------------------------
# Requests whose body grows past the endpoint's small-body size are handled by at most this many
# at once per server process; the rest wait up to LARGE_BODY_WAIT_SECONDS for a turn.
LARGE_BODY_SLOTS = 8
LARGE_BODY_WAIT_SECONDS = 10.0
# A large body that stops arriving for this long gives its slot back (the request fails): a
# client trickling bytes must not hold a slot for ever. The Web Connector sends its body as
# fast as the network allows, so a minute without a byte means it is gone.
LARGE_BODY_STALL_SECONDS = 60.0

# -- qbXML records -------------------------------------------------------------------------------
# One …Ret element, which is held whole while it is read. A large real record (an invoice or a
# journal entry with a few thousand lines) is a few MB and some 50,000 elements; a record past
# these limits fails its request.
RECORD_CHARS = 16 * MIB
RECORD_ELEMENTS = 200_000


@dataclass(frozen=True, slots=True)
class SoapLimits:
    """How long each SOAP parameter may be; the streamed `response` is bounded by the body limit."""

    credential_chars: int = CREDENTIAL_CHARS
    hcp_response_chars: int = HCP_RESPONSE_CHARS
    param_chars: int = PARAM_CHARS

    def for_param(self, name: str) -> int:
        if name in ("strUserName", "strPassword"):
            return self.credential_chars
        if name == "strHCPResponse":
            return self.hcp_response_chars
        return self.param_chars


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """How large one qbXML record may be: characters of qbXML text (bytes if the parser is fed
    bytes) and elements, the record's own element included."""

    max_chars: int = RECORD_CHARS
    max_elements: int = RECORD_ELEMENTS
