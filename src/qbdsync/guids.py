"""GUIDs in the braces form QuickBooks and the Web Connector use ({8-4-4-4-12}, upper case).

A bottom module: the store mints the OwnerID and FileID it keeps for a company and a
connection, and the Web Connector's .qwc file carries them.
"""

from __future__ import annotations

import uuid


def braced_guid() -> str:
    """A GUID in the braces form QBWC wants for OwnerID and FileID."""
    return "{" + str(uuid.uuid4()).upper() + "}"
