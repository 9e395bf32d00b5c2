"""Wrong credentials, wrong company files, unknown tickets, hostile XML and secrets in logs —
against the real service over HTTP."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import httpx
import pytest
import zeep
from zeep.transports import Transport

from qbdsync.qbwc.credentials import digest_password
from qbdsync.simulator.company import SimulatedCompany
from tests.conftest import LiveServer
from tests.integration.helpers import link


def soap_client(server: LiveServer) -> zeep.Client:
    return zeep.Client(f"{server.url}/qbwc?wsdl", transport=Transport(timeout=30))


def test_wrong_and_near_miss_passwords_get_nvu_and_store_nothing(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    password = linked.connection.password
    near_miss = password[:-1] + ("A" if password[-1] != "A" else "B")
    for wrong in (near_miss, password.upper() if password.upper() != password else "x", ""):
        result = linked.sync(password=wrong)
        assert result.auth == "nvu"
        assert result.requests == 0
    assert linked.counts() == {}
    good = linked.sync()
    assert good.auth == ""
    assert good.records["invoices"] > 0


def test_a_different_company_file_is_refused_and_nothing_is_stored(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    first = link(sqlite_server, tmp_path, name="First")
    second = link(sqlite_server, tmp_path, name="Second")
    first.sync()  # stamps First.qbsim with the first connection's FileID
    # The second connection's Web Connector runs while the first company file is open.
    with SimulatedCompany.open(first.company_file) as company:
        company.stamp_file_id("{00000000-0000-0000-0000-000000000000}", "{X}")
    refused = second.sync(company_file=first.company_file)
    assert refused.requests == 0
    assert "not the one this Web Connector entry is linked to" in refused.result
    assert "so nothing was synced from it" in refused.result
    assert second.counts() == {}


def test_unknown_tickets_end_cleanly(sqlite_server: LiveServer) -> None:
    service = soap_client(sqlite_server).service
    forged = "w.00000000-0000-0000-0000-000000000000.00.00"
    for ticket in ("no-such-ticket", forged):
        assert service.sendRequestXML(ticket, "", "", "US", 16, 0) in ("", None)
        assert "session had already ended" in service.getLastError(ticket)
        assert service.receiveResponseXML(ticket, "<QBXML/>", "", "") < 0
        assert service.connectionError(ticket, "0x80040408", "x") == "done"
        assert service.closeConnection(ticket)


def test_zeep_drives_a_whole_session_against_the_served_wsdl(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    service = soap_client(sqlite_server).service
    assert service.serverVersion().startswith("qbdsync")
    assert service.clientVersion("2.3.0.215") in ("", None)
    assert service.clientVersion("1.5.0.0").startswith("E:")
    username = linked.qwc_path.read_text().split("<UserName>")[1].split("<")[0]
    ticket, what = service.authenticate(username, linked.connection.password)
    assert what in ("", None)
    with SimulatedCompany.open(linked.company_file) as company:
        from qbdsync.qbwc.qwc import parse_qwc
        from qbdsync.simulator.quickbooks import SimulatedQuickBooks

        qwc = parse_qwc(linked.qwc_path.read_text())
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        quickbooks = SimulatedQuickBooks(company)
        host = quickbooks.begin_session()
        progress, first, requests = 0, True, 0
        while progress < 100:
            request = service.sendRequestXML(
                ticket,
                host.hcp_response if first else "",
                host.company_file,
                host.country,
                int(host.major),
                int(host.minor),
            )
            first = False
            assert request, service.getLastError(ticket)
            progress = service.receiveResponseXML(ticket, quickbooks.process(request), "", "")
            requests += 1
            assert 0 <= progress <= 100
        quickbooks.end_session()
        expected = company.counts_by_codat_type()
    assert service.closeConnection(ticket).startswith("qbdsync: synced")
    stored = linked.counts()
    for data_type in ("accounts", "customers", "suppliers", "invoices"):
        assert stored[data_type] == expected[data_type], data_type
    assert requests >= 4


@pytest.mark.parametrize(
    "body",
    [
        b"<not-xml",
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<authenticate xmlns="http://developer.intuit.com/"><strUserName>&b;</strUserName>'
        b"<strPassword>x</strPassword></authenticate></soap:Body></soap:Envelope>",
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x/>',
    ],
)
def test_hostile_xml_gets_a_fault_and_the_server_keeps_serving(
    sqlite_server: LiveServer, body: bytes
) -> None:
    url = f"{sqlite_server.url}/qbwc"
    reply = httpx.post(url, content=body, headers={"Content-Type": "text/xml"})
    assert reply.status_code == 500
    assert b"Fault" in reply.content
    assert soap_client(sqlite_server).service.serverVersion().startswith("qbdsync")


def test_neither_password_nor_digest_appears_in_logs(
    sqlite_server: LiveServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    linked = link(sqlite_server, tmp_path)
    password = linked.connection.password
    qwc_log = tmp_path / "QWCLog.txt"
    with qwc_log.open("w") as log:
        linked.sync(log=log)
        linked.sync(password=password + "x", log=log)
    digest = digest_password(password)
    secrets = [password, digest.hex(), base64.b64encode(digest).decode()]
    everything = caplog.text + qwc_log.read_text() + linked.qwc_path.read_text()
    for secret in secrets:
        assert secret not in everything
