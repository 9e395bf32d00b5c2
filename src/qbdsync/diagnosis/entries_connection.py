"""Catalogue entries for the states of a connection qbdsync itself sees (codes ``qbdsync:…``):
a connector that stopped calling, a paused, unlinked or deauthorized connection."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Explanation

ENTRIES: Final[tuple[Explanation, ...]] = ()
