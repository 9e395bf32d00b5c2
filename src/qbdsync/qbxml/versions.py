"""Which qbXML version to write in ``<?qbxml version="…"?>``.

QuickBooks accepts every qbXML version up to the newest it supports, so the version to use is
min(ours, QuickBooks' newest). Canadian and UK editions before qbXML 6.0 spell versions with a
country prefix (``CA3.0``, ``UK2.0``); from 6.0 on plain numbers work for every country.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from qbdsync.errors import NotSupported

_VERSION: Final = re.compile(r"(?P<country>CA|UK|US)?(?P<major>[0-9]+)(?:\.(?P<minor>[0-9]+))?")
_PREFIXED_COUNTRIES: Final = frozenset({"CA", "UK"})
_FIRST_PLAIN_FOR_ALL: Final = (6, 0)


@dataclass(frozen=True, slots=True, order=True)
class QbxmlVersion:
    """A qbXML version as a comparable (major, minor) pair; the country prefix is kept aside."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> QbxmlVersion:
        """Read ``"13.0"``, ``"CA3.0"``, ``"UK2.0"`` or ``"16"``; raises ValueError otherwise."""
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a qbXML version: {text!r}")
        return cls(int(match["major"]), int(match["minor"] or 0))

    def for_country(self, country: str) -> str:
        """The spelling QuickBooks of ``country`` expects in the ``<?qbxml?>`` instruction."""
        plain = f"{self.major}.{self.minor}"
        code = country.strip().upper()
        if code in _PREFIXED_COUNTRIES and (self.major, self.minor) < _FIRST_PLAIN_FOR_ALL:
            return code + plain
        return plain

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def version_from_major_minor(major: str, minor: str) -> str:
    """``("13", "0")`` → ``"13.0"``, as QBWC passes ``qbXMLMajorVers``/``qbXMLMinorVers``."""
    if not major.strip().isdigit() or not minor.strip().isdigit():
        raise ValueError(f"not a qbXML version: major={major!r} minor={minor!r}")
    return f"{int(major)}.{int(minor)}"


def negotiate_version(
    ours: str, supported: Iterable[str], country: str, *, minimum: str | None = None
) -> str:
    """The newest version both sides speak, spelled for ``country``.

    ``supported`` are the versions QuickBooks reports (HostRet ``SupportedQBXMLVersion`` entries,
    or the single version from ``qbXMLMajorVers``/``MinorVers``); entries that are not versions
    are ignored. Raises NotSupported when QuickBooks reports nothing usable, or when the result
    would be older than ``minimum`` (the oldest version whose requests we know how to build).
    """
    our_version = QbxmlVersion.parse(ours)
    theirs: list[QbxmlVersion] = []
    for text in supported:
        try:
            theirs.append(QbxmlVersion.parse(text))
        except ValueError:
            continue
    if not theirs:
        raise NotSupported("QuickBooks reported no qbXML version that qbdsync can read")
    # QuickBooks supports every version up to its newest, so the newest bounds the choice.
    chosen = min(our_version, max(theirs))
    if minimum is not None and chosen < QbxmlVersion.parse(minimum):
        raise NotSupported(
            f"QuickBooks supports qbXML up to {max(theirs)}; qbdsync needs at least {minimum}"
        )
    return chosen.for_country(country)
