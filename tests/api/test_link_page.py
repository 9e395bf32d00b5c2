"""The SMB user's link page: HTML steps, the .qwc, a password shown once per link, the JSON
form scripts use, regenerated and expired links, and `qbdsync simulate --link-url`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from qbdsync.simulator.runner import simulate
from tests.api.helpers import create_linkable, new_tenant, serving

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_page_json_reveal_once_and_regeneration(sqlite_url: str, tmp_path: Path) -> None:
    with serving(sqlite_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "links")
        company_id, connection = create_linkable(tenant, "Link & <Co>")
        link = connection["linkUrl"]
        assert link.startswith(f"{server.url}/link/")
        with httpx.Client(timeout=30) as browser:
            page = browser.get(link, headers=HTML)
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["cache-control"] == "no-store"
            text = page.text
            assert "Link &amp; &lt;Co&gt;" in text and "<Co>" not in text
            for step in ("Download", ".qwc", "Web Connector", "Update Selected", "password"):
                assert step in text
            assert f"{link}/qwc" in text
            assert "Waiting for the Web Connector" in text

            details = browser.get(link, headers=JSON)
            assert details.status_code == 200
            assert details.headers["cache-control"] == "no-store"
            body = details.json()
            assert {"companyId", "connectionId", "qwcUrl", "username", "password", "status"} <= set(
                body
            )
            assert body["companyId"] == company_id
            assert body["connectionId"] == connection["id"]
            assert body["qwcUrl"] == f"{link}/qwc"
            assert body["status"] == "PendingAuth"
            first_password = body["password"]
            assert first_password and len(first_password) >= 12
            assert first_password not in browser.get(link, headers=HTML).text

            second = browser.get(link, headers=JSON).json()
            assert second["password"] is None
            assert "new link" in second["passwordNote"]
            assert "qbdsync connection link CONNECTION_ID --new" in second["passwordNote"]
            assert browser.post(f"{link}/password").status_code == 409

            qwc = browser.get(body["qwcUrl"])
            assert qwc.status_code == 200
            assert qwc.headers["content-type"].startswith("application/xml")
            assert "attachment" in qwc.headers["content-disposition"]
            assert f"<UserName>{body['username']}</UserName>" in qwc.text
            assert first_password not in qwc.text
            qwc_path = tmp_path / "link.qwc"
            qwc_path.write_text(qwc.text, encoding="utf-8")

            status = browser.get(f"{link}/status").json()
            assert status["status"] == "PendingAuth"

            # the operator regenerates the link: the old one is gone, one new reveal
            regenerated = tenant.api.post(
                f"/companies/{company_id}/connections/{connection['id']}/link"
            )
            assert regenerated.status_code in (200, 201)
            new_link = regenerated.json()["linkUrl"]
            assert new_link != link
            for headers in (HTML, JSON):
                assert browser.get(link, headers=headers).status_code == 404
            assert browser.get(f"{link}/qwc").status_code == 404
            assert browser.post(f"{link}/password").status_code == 404
            company = tenant.api.get(f"/companies/{company_id}").json()
            assert company["redirect"] == new_link

            revealed = browser.post(f"{new_link}/password")
            assert revealed.status_code == 200
            new_password = revealed.json()["password"]
            assert new_password != first_password
            assert browser.get(new_link, headers=JSON).json()["password"] is None

        company_file = tmp_path / "co.qbsim"
        old = simulate(qwc_path=qwc_path, password=first_password, company_file=company_file)
        assert old.auth == "nvu"
        assert tenant.api.get(f"/companies/{company_id}").json()["dataConnections"][0][
            "status"
        ] == ("PendingAuth")
        new = simulate(qwc_path=qwc_path, password=new_password, company_file=company_file)
        assert new.auth not in ("nvu", "none", "busy") and not new.errors
        state = tenant.api.get(f"/companies/{company_id}/connections/{connection['id']}").json()
        assert state["status"] == "Linked"
        with httpx.Client(timeout=30) as browser:
            assert browser.get(f"{new_link}/status").json()["status"] == "Linked"
            assert "Connected" in browser.get(new_link, headers=HTML).text


def test_an_expired_link_is_404(sqlite_url: str) -> None:
    with serving(sqlite_url, webhook_poll_seconds=3600, link_ttl_hours=1 / 3600) as server:
        tenant = new_tenant(server, "expiring")
        _, connection = create_linkable(tenant, "Slow Co")
        time.sleep(1.2)
        with httpx.Client(timeout=30) as browser:
            for headers in (HTML, JSON):
                reply = browser.get(connection["linkUrl"], headers=headers)
                assert reply.status_code == 404
                assert "expired" in reply.json()["error"]
            assert browser.post(f"{connection['linkUrl']}/password").status_code == 404


def test_an_unknown_link_is_404(sqlite_url: str) -> None:
    with (
        serving(sqlite_url, webhook_poll_seconds=3600) as server,
        httpx.Client(timeout=30) as browser,
    ):
        for path in ("/link/not-a-token", "/link/not-a-token/qwc", "/link/x/status"):
            assert browser.get(f"{server.url}{path}", headers=JSON).status_code == 404


def test_the_cli_links_a_company_from_its_link_url(sqlite_url: str, tmp_path: Path) -> None:
    with serving(sqlite_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "cli")
        company_id, connection = create_linkable(tenant, "Scripted Co")
        before = tenant.api.get(f"/companies/{company_id}").json()["dataConnections"][0]
        assert before["status"] == "PendingAuth"
        command = [
            str(Path(sys.executable).parent / "qbdsync"),
            "simulate",
            "--link-url",
            connection["linkUrl"],
            "--company-file",
            str(tmp_path / "cli.qbsim"),
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("QBDSYNC_")}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=120, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["records"]["invoices"] > 0
        assert "synced" in result["result"]
        after = tenant.api.get(f"/companies/{company_id}").json()
        assert after["dataConnections"][0]["status"] == "Linked"
        assert after["lastSync"]
        invoices = tenant.api.get(f"/companies/{company_id}/data/invoices").json()
        assert invoices["totalResults"] == result["records"]["invoices"]
        # the link's password was used up by the CLI
        with httpx.Client(timeout=30) as browser:
            again = browser.get(connection["linkUrl"], headers=JSON).json()
        assert again["password"] is None
