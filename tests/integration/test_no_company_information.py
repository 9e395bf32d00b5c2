"""Web Connector clients that send no company information (an empty strHCPResponse on every
call, as qbwc-kit's client and some custom agents do): qbdsync asks QuickBooks itself, binds and
checks the company file from that answer exactly as from an HCP response, then syncs.

Real HTTP against the simulated Web Connector and QuickBooks, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import zeep
from zeep.transports import Transport

from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.simulator.company import SimulatedCompany
from tests.conftest import LiveServer
from tests.integration.helpers import assert_every_type_matches, link


def test_a_whole_session_without_company_information_binds_the_file_and_syncs(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    result = linked.sync(send_hcp=False)
    assert result.errors == []
    assert result.result.startswith("qbdsync: synced"), result.result
    assert result.records["invoices"] > 0
    row = linked.row()
    assert row.status == "Linked"
    with SimulatedCompany.open(linked.company_file) as company:
        assert row.qb_product == company.host_info["ProductName"]
        assert row.company_file == company.company_file
        company_name = company.company_info["CompanyName"]
    # The host query was asked in 2.0; the rest of the session in what HostRet offers.
    assert row.qbxml_version == "16.0"
    (info,) = linked.stored("company")
    assert info["data"]["companyName"] == company_name
    assert_every_type_matches(linked)
    assert {p.status for p in linked.pulls().values()} == {"Complete"}
    assert linked.errors() == []

    # And incrementally: a later session without company information reads only changes.
    linked.make_due()
    again = linked.sync(send_hcp=False, churn=20)
    assert again.errors == []
    changed = sum(n for t, n in again.records.items() if t != "company")
    assert 0 < changed < sum(n for t, n in result.records.items() if t != "company")
    assert_every_type_matches(linked)


def test_a_different_company_file_without_company_information_is_refused_and_nothing_stored(
    live_server: LiveServer, tmp_path: Path
) -> None:
    first = link(live_server, tmp_path, name="First")
    second = link(live_server, tmp_path, name="Second")
    first.sync(send_hcp=False)  # stamps First.qbsim with the first connection's FileID
    refused = second.sync(company_file=first.company_file, send_hcp=False)
    assert refused.requests == 1  # the host query, and nothing after it
    assert "not the one this Web Connector entry is linked to" in refused.result
    assert "so nothing was synced from it" in refused.result
    assert second.counts() == {}  # not even the company info
    row = second.row()
    assert row.status == "PendingAuth"
    assert (row.qb_product, row.qbxml_version, row.company_file) == (None, None, None)
    assert {p.status for p in second.pulls().values()} == {"Queued"}
    (error,) = second.errors()
    assert error.recovery == "validation"
    # The right file still syncs afterwards.
    assert second.sync(send_hcp=False).result.startswith("qbdsync: synced")
    assert second.counts()["invoices"] > 0


def test_a_canadian_edition_is_asked_in_its_prefixed_version(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(send_hcp=False, country="CA")
    assert result.errors == []
    assert result.records["invoices"] > 0
    row = linked.row()
    assert (row.qb_country, row.qbxml_version) == ("CA", "16.0")
    assert_every_type_matches(linked)


def test_the_host_query_is_asked_again_until_answered_and_an_hresult_ends_the_session(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    service = zeep.Client(f"{sqlite_server.url}/qbwc?wsdl", transport=Transport(timeout=30)).service
    qwc = parse_qwc(linked.qwc_path.read_text())
    ticket, _ = service.authenticate(qwc.user_name, linked.connection.password)
    first = service.sendRequestXML(ticket, "", "C:\\Acme.qbw", "UK", 16, 0)
    assert '<?qbxml version="UK2.0"?>' in first
    assert f"<OwnerID>{qwc.owner_id}</OwnerID>" in first
    assert service.sendRequestXML(ticket, "", "C:\\Acme.qbw", "UK", 16, 0) == first
    # QuickBooks could not run it: no response, only an hresult.
    assert service.receiveResponseXML(ticket, "", "0x80040423", "version not supported") < 0
    last = service.getLastError(ticket)
    assert last.startswith("QuickBooks did not answer qbdsync's question about the company file")
    assert "0x80040423" in last
    assert "qbdsync:" in service.closeConnection(ticket)
    assert linked.counts() == {}
    assert linked.row().qb_product is None
    (error,) = linked.errors()
    assert "0x80040423" in error.message
