"""Playing the SMB user from a link URL: what a script (or the link page) gets from it."""

from __future__ import annotations

from pathlib import Path

import httpx

from qbdsync.errors import AuthenticationFailed, NotFound


def follow_link(link_url: str, workdir: Path) -> tuple[Path, str]:
    """Fetch the link's details as JSON, download the .qwc; return (.qwc path, password)."""
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        reply = client.get(link_url, headers={"Accept": "application/json"})
        if reply.status_code == 404:
            raise NotFound(reply.json().get("error", "the link is not valid"))
        reply.raise_for_status()
        details = reply.json()
        password = details.get("password")
        if not password:
            raise AuthenticationFailed(
                details.get("passwordNote") or "the link gave no password; ask for a new link"
            )
        qwc = client.get(details["qwcUrl"])
        qwc.raise_for_status()
    path = workdir / f"{details['connectionId']}.qwc"
    path.write_text(qwc.text, encoding="utf-8")
    return path, str(password)
