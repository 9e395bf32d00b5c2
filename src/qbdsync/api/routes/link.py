"""The link page: what the SMB user opens from the operator's linkUrl.

A plain page with the steps, the .qwc download, the Web Connector password (revealed on a
deliberate click, once per link) and live status. With `Accept: application/json` the same URL
answers scripts (and `qbdsync simulate --link-url`).
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import Connection

from qbdsync.api.deps import engine_of, settings_of
from qbdsync.api.shapes import iso
from qbdsync.linking import connection_qwc, resolve_link, reveal_password
from qbdsync.statuses import ConnectionStatus
from qbdsync.store import companies as company_store
from qbdsync.store.companies import ConnectionRow

router = APIRouter(tags=["Link"], include_in_schema=True)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Connect QuickBooks Desktop — {company}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#222}}
ol li{{margin:.6rem 0}}
code,.pw{{font-family:ui-monospace,monospace;background:#f3f3f3;padding:.15rem .3rem}}
button,a.button{{font:inherit;padding:.4rem .8rem;cursor:pointer}} #status{{font-weight:600}}
</style></head><body>
<h1>Connect {company} to QuickBooks Desktop</h1>
<p>Do this on the computer where you use QuickBooks. Open QuickBooks and sign in to the company
file you want to share first.</p>
<ol>
<li><a class="button" id="download" href="{qwc_url}" download="{qwc_name}">Download the connector
file (.qwc)</a> and open it. The QuickBooks Web Connector adds it (install the Web Connector from
Intuit if your PC does not have it).</li>
<li>QuickBooks asks whether to allow the application. Choose <b>Yes, always; allow access even
if QuickBooks is not running</b>, then click <b>Continue</b> and <b>Done</b>.</li>
<li>In the Web Connector, tick the new entry. It asks for a password:
<span id="password-area"><button id="reveal" type="button">Show the password</button></span>
<button id="copy" type="button" hidden>Copy</button>
<br><small>The password is shown once. If you lose it, ask your provider for a new link.</small>
</li>
<li>Click <b>Update Selected</b>. Keep QuickBooks open until the first sync finishes.</li>
</ol>
<p>Status: <span id="status">{status}</span></p>
<script>
const reveal = document.getElementById('reveal');
const area = document.getElementById('password-area');
const copy = document.getElementById('copy');
reveal.addEventListener('click', async () => {{
  const r = await fetch('{password_url}', {{method: 'POST'}});
  const body = await r.json();
  if (r.ok) {{
    area.innerHTML = '<span class="pw" id="password"></span>';
    document.getElementById('password').textContent = body.password;
    copy.hidden = false;
  }} else {{
    area.textContent = body.error;
  }}
}});
copy.addEventListener('click', () => navigator.clipboard.writeText(
  document.getElementById('password').textContent));
async function poll() {{
  try {{
    const r = await fetch('{status_url}');
    if (r.ok) {{ document.getElementById('status').textContent = (await r.json()).text; }}
  }} catch (e) {{}}
  setTimeout(poll, 3000);
}}
poll();
</script>
</body></html>
"""


def _status_text(connection: ConnectionRow) -> str:
    if connection.status == ConnectionStatus.LINKED:
        when = iso(connection.last_sync_at)
        return f"Connected. Last sync {when}." if when else "Connected."
    if connection.status == ConnectionStatus.DEAUTHORIZED:
        return "The one-time sync is complete. You can remove the entry from the Web Connector."
    if connection.status == ConnectionStatus.UNLINKED:
        return "This connection was closed by your provider."
    if connection.last_error:
        return f"Waiting for the Web Connector. Last problem: {connection.last_error}"
    return "Waiting for the Web Connector."


def _details(
    conn: Connection, request: Request, token: str, connection: ConnectionRow
) -> dict[str, Any]:
    company = company_store.get_company(conn, connection.company_id)
    # The public URL, not the request's: behind a reverse proxy the request's host may lack
    # the port (nginx's $host) or name the node itself.
    base = f"{settings_of(request).public_url}/link/{token}"
    return {
        "companyId": connection.company_id,
        "connectionId": connection.id,
        "companyName": company.name,
        "qwcUrl": f"{base}/qwc",
        "username": connection.username,
        "status": connection.status,
        "lastSync": iso(connection.last_sync_at),
    }


# The password is revealed once per link (the page or this JSON, whichever comes first).
_ALREADY_SHOWN = (
    "Already shown once for this link. Ask your provider for a new link (operators: "
    "`qbdsync connection link CONNECTION_ID --new` or POST …/connections/{id}/link)."
)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


@router.get("/link/{token}", name="link_page", summary="The SMB user's link page (or JSON)")
def link_page(request: Request, token: str) -> Response:
    with engine_of(request).begin() as conn:
        connection = resolve_link(conn, token)
        details = _details(conn, request, token, connection)
        if _wants_json(request):
            # Scripts get the password in the same call: the first reveal of this link sets it.
            password = reveal_password(conn, connection.id)
            details["password"] = password
            details["passwordNote"] = None if password else _ALREADY_SHOWN
    if _wants_json(request):
        return JSONResponse(details, headers={"Cache-Control": "no-store"})
    page = _PAGE.format(
        company=html.escape(details["companyName"]),
        qwc_url=html.escape(details["qwcUrl"]),
        qwc_name=html.escape(_qwc_name(details["companyName"])),
        password_url=html.escape(f"{details['qwcUrl'][:-4]}/password"),
        status_url=html.escape(f"{details['qwcUrl'][:-4]}/status"),
        status=html.escape(_status_text(connection)),
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _qwc_name(company: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in company).strip("-") or "company"
    return f"qbdsync-{safe[:40]}.qwc"


@router.get("/link/{token}/qwc", summary="Download the .qwc file")
def link_qwc(request: Request, token: str) -> Response:
    with engine_of(request).begin() as conn:  # owner_id may be made on first use
        connection = resolve_link(conn, token)
        text = connection_qwc(conn, settings_of(request), connection.id)
        company = company_store.get_company(conn, connection.company_id)
    return Response(
        text,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{_qwc_name(company.name)}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/link/{token}/password", summary="Reveal (set) the Web Connector password once")
def link_password(request: Request, token: str) -> JSONResponse:
    with engine_of(request).begin() as conn:
        connection = resolve_link(conn, token)
        password = reveal_password(conn, connection.id)
    if password is None:
        return JSONResponse(
            {
                "error": "The password was already shown once for this link. Ask your provider "
                "for a new link to get a new password."
            },
            status_code=409,
        )
    return JSONResponse({"password": password}, headers={"Cache-Control": "no-store"})


@router.get("/link/{token}/status", summary="Live status for the link page")
def link_status(request: Request, token: str) -> JSONResponse:
    with engine_of(request).connect() as conn:
        connection = resolve_link(conn, token)
    return JSONResponse({"status": connection.status, "text": _status_text(connection)})
