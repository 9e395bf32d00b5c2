"""Playing the SMB user from a link URL: what a script (or the link page) gets from it."""

from __future__ import annotations

from pathlib import Path

import httpx

from qbdsync.errors import AuthenticationFailed, NotFound, RetryLater
from qbdsync.redact import redact_text


def follow_link(link_url: str, workdir: Path) -> tuple[Path, str]:
    """Fetch the link's details as JSON, download the .qwc; return (.qwc path, password).

    Failures are QbdsyncErrors that name the link with its token masked (it is a secret).
    """
    shown = redact_text(link_url)
    try:
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            reply = client.get(link_url, headers={"Accept": "application/json"})
            if reply.status_code == 404:
                raise NotFound(_json_error(reply) or f"the link {shown} is not valid")
            reply.raise_for_status()
            details = reply.json()
            password = details.get("password")
            if not password:
                raise AuthenticationFailed(
                    details.get("passwordNote") or "the link gave no password; ask for a new link"
                )
            qwc = client.get(details["qwcUrl"])
            qwc.raise_for_status()
    except httpx.TransportError as exc:
        raise RetryLater(f"cannot reach the link {shown}: {redact_text(str(exc))}") from None
    except httpx.HTTPStatusError as exc:
        raise RetryLater(
            f"the link {shown} answered HTTP {exc.response.status_code}; try again later"
        ) from None
    except (ValueError, KeyError):  # not the link page's JSON
        raise NotFound(f"{shown} is not a qbdsync link URL") from None
    path = workdir / f"{details['connectionId']}.qwc"
    path.write_text(qwc.text, encoding="utf-8")
    return path, str(password)


def _json_error(reply: httpx.Response) -> str | None:
    try:
        message = reply.json().get("error")
    except ValueError:
        return None
    return str(message) if message else None
