from __future__ import annotations

from typing import Any

import pytest

from qbdsync.errors import InvalidXML
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import QuickBooksHResultError, SimulatedQuickBooks
from tests.unit.simulator.helpers import one, qbxml, responses

INVOICES_START = (
    '<InvoiceQueryRq requestID="7" iterator="Start"><MaxReturned>{n}</MaxReturned>'
    "<IncludeLineItems>true</IncludeLineItems><IncludeLinkedTxns>true</IncludeLinkedTxns>"
    "</InvoiceQueryRq>"
)
INVOICES_CONTINUE = (
    '<InvoiceQueryRq requestID="7" iterator="Continue" iteratorID="{id}">'
    "<MaxReturned>{n}</MaxReturned><IncludeLineItems>true</IncludeLineItems>"
    "<IncludeLinkedTxns>true</IncludeLinkedTxns></InvoiceQueryRq>"
)


def read_all_invoices(quickbooks: SimulatedQuickBooks, page: int) -> tuple[list[Any], list[Any]]:
    first = one(quickbooks.process(qbxml(INVOICES_START.format(n=page))))
    pages = [first]
    while int(pages[-1].attributes["iteratorRemainingCount"]) > 0:
        iterator_id = pages[-1].attributes["iteratorID"]
        pages.append(
            one(quickbooks.process(qbxml(INVOICES_CONTINUE.format(id=iterator_id, n=page))))
        )
    return [r for p in pages for r in p.records], pages


def test_process_needs_a_session(company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(company)
    with pytest.raises(QuickBooksHResultError) as caught:
        quickbooks.process(qbxml("<HostQueryRq/>"))
    assert caught.value.hresult == "0x8004040D"


def test_host_session_and_hcp_response(company: SimulatedCompany) -> None:
    company.stamp_file_id("{owner-1}", "{file-abc}")
    session = SimulatedQuickBooks(company).begin_session()
    assert (session.country, session.major, session.minor) == ("US", "16", "0")
    assert session.company_file.startswith("C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\")
    assert session.company_file.endswith(".qbw")
    assert session.hcp_response.startswith('<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>')
    host, company_rs, preferences = responses(session.hcp_response)
    assert host.name == "HostQueryRs"
    assert host.records[0]["ProductName"] == "QuickBooks Enterprise Solutions 23.0"
    assert "16.0" in host.records[0]["SupportedQBXMLVersion"]
    assert company_rs.records[0]["DataExtRet"] == [
        {
            "OwnerID": "{owner-1}",
            "DataExtName": "FileID",
            "DataExtType": "STR255TYPE",
            "DataExtValue": "{file-abc}",
        }
    ]
    assert preferences.records[0]["MultiCurrencyPreferences"]["IsMultiCurrencyOn"] in (
        "true",
        "false",
    )


HOST_QUERY = (
    '<HostQueryRq requestID="h"/><CompanyQueryRq requestID="c"><OwnerID>{owner}</OwnerID>'
    '</CompanyQueryRq><PreferencesQueryRq requestID="p"/>'
)


def test_the_host_queries_answer_what_the_hcp_response_carries(
    company: SimulatedCompany, tmp_path: Any
) -> None:
    """For clients that send no strHCPResponse: asked in qbXML 2.0, like any QuickBooks."""
    company.stamp_file_id("{owner-1}", "{file-abc}")
    company.stamp_file_id("{owner-2}", "{file-other}")
    quickbooks = SimulatedQuickBooks(company)
    quickbooks.begin_session()
    host, company_rs, preferences = responses(
        quickbooks.process(qbxml(HOST_QUERY.format(owner="{owner-1}"), version="2.0"))
    )
    assert [r.attributes["requestID"] for r in (host, company_rs, preferences)] == ["h", "c", "p"]
    assert host.records[0] == company.host_info
    # Only the DataExt of the OwnerID asked for.
    assert [e["DataExtValue"] for e in company_rs.records[0]["DataExtRet"]] == ["{file-abc}"]
    assert company_rs.records[0]["CompanyName"] == company.company_info["CompanyName"]
    assert preferences.records[0] == company.preferences
    # Without an OwnerID, no private DataExt at all.
    (bare,) = responses(quickbooks.process(qbxml('<CompanyQueryRq requestID="c"/>')))
    assert "DataExtRet" not in bare.records[0]
    # A Canadian edition reads 2.0 only as CA2.0.
    with SimulatedCompany.open(tmp_path / "ca.qbsim", country="CA") as canadian:
        ca = SimulatedQuickBooks(canadian)
        ca.begin_session()
        with pytest.raises(QuickBooksHResultError) as caught:
            ca.process(qbxml(HOST_QUERY.format(owner="{owner-1}"), version="2.0"))
        assert caught.value.hresult == "0x80040423"
        (ca_host, _, _) = responses(
            ca.process(qbxml(HOST_QUERY.format(owner="{owner-1}"), version="CA2.0"))
        )
        assert ca_host.records[0]["Country"] == "CA"


def test_iterator_pages_concatenate_to_the_ground_truth(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    records, pages = read_all_invoices(quickbooks, 64)
    assert records == list(company.records("Invoice"))
    assert len({p.attributes["iteratorID"] for p in pages}) == 1
    last = pages[-1].attributes
    assert last["iteratorRemainingCount"] == "0"
    assert last["iteratorID"].startswith("{")
    assert last["iteratorID"].endswith("}")
    assert all(p.attributes["requestID"] == "7" for p in pages)
    assert [int(p.attributes["retCount"]) for p in pages] == [len(p.records) for p in pages]


def test_last_page_may_hold_a_single_record(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    total = company.count("Invoice")
    records, pages = read_all_invoices(quickbooks, total - 1)
    assert [len(p.records) for p in pages] == [total - 1, 1]
    assert pages[-1].attributes["iteratorRemainingCount"] == "0"
    assert len(records) == total


def test_iterators_die_with_the_session(quickbooks: SimulatedQuickBooks) -> None:
    first = one(quickbooks.process(qbxml(INVOICES_START.format(n=10))))
    iterator_id = first.attributes["iteratorID"]
    quickbooks.end_session()
    quickbooks.begin_session()
    stale = one(quickbooks.process(qbxml(INVOICES_CONTINUE.format(id=iterator_id, n=10))))
    assert stale.status == 3391
    assert stale.attributes["statusSeverity"] == "Error"
    assert stale.attributes["statusMessage"] == f'The iteratorID "{iterator_id}" is not valid.'


def test_iterator_survives_churn_between_pages(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    total = company.count("Invoice")
    first = one(quickbooks.process(qbxml(INVOICES_START.format(n=100))))
    company.churn(50)
    rest = one(
        quickbooks.process(
            qbxml(INVOICES_CONTINUE.format(id=first.attributes["iteratorID"], n=10_000))
        )
    )
    assert rest.attributes["iteratorRemainingCount"] == "0"
    first_page = {r["TxnID"] for r in first.records}
    deleted_later = {d["TxnID"] for d in company.deleted("Invoice")} - first_page
    assert deleted_later
    assert len(rest.records) == total - 100 - len(deleted_later)
    assert not deleted_later & {r["TxnID"] for r in rest.records}


def test_without_line_items_no_lines_are_returned(quickbooks: SimulatedQuickBooks) -> None:
    rs = one(
        quickbooks.process(qbxml("<InvoiceQueryRq><MaxReturned>5</MaxReturned></InvoiceQueryRq>"))
    )
    assert len(rs.records) == 5
    assert "retCount" not in rs.attributes
    assert all("InvoiceLineRet" not in r and "LinkedTxn" not in r for r in rs.records)


def test_modified_date_filter_is_inclusive_on_the_wall_clock(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    target = list(company.records("Customer"))[10]
    stamp = target["TimeModified"]
    wall = stamp[:19]
    for value in (stamp, wall, wall + "+05:00"):
        body = (
            "<CustomerQueryRq><ActiveStatus>All</ActiveStatus>"
            f"<FromModifiedDate>{value}</FromModifiedDate><ToModifiedDate>{value}</ToModifiedDate>"
            "</CustomerQueryRq>"
        )
        rs = one(quickbooks.process(qbxml(body)))
        assert target["ListID"] in [r["ListID"] for r in rs.records]
        assert all(r["TimeModified"][:19] == wall for r in rs.records)
    txn = list(company.records("Invoice"))[20]
    body = (
        "<InvoiceQueryRq><ModifiedDateRangeFilter>"
        f"<FromModifiedDate>{txn['TimeModified']}</FromModifiedDate>"
        f"<ToModifiedDate>{txn['TimeModified']}</ToModifiedDate>"
        "</ModifiedDateRangeFilter></InvoiceQueryRq>"
    )
    assert txn["TxnID"] in [r["TxnID"] for r in one(quickbooks.process(qbxml(body))).records]


def test_a_utc_z_date_is_refused(quickbooks: SimulatedQuickBooks) -> None:
    body = (
        "<CustomerQueryRq><FromModifiedDate>2025-01-01T00:00:00Z</FromModifiedDate>"
        "</CustomerQueryRq>"
    )
    rs = one(quickbooks.process(qbxml(body)))
    assert rs.status == 3020
    assert rs.attributes["statusSeverity"] == "Error"
    assert rs.records == []


def test_active_status(company: SimulatedCompany, quickbooks: SimulatedQuickBooks) -> None:
    customers = list(company.records("Customer"))
    inactive = {c["ListID"] for c in customers if c["IsActive"] == "false"}
    assert inactive

    def ids(status: str) -> set[str]:
        element = f"<ActiveStatus>{status}</ActiveStatus>" if status else ""
        rs = one(quickbooks.process(qbxml(f"<CustomerQueryRq>{element}</CustomerQueryRq>")))
        return {r["ListID"] for r in rs.records}

    assert ids("") == ids("ActiveOnly") == {c["ListID"] for c in customers} - inactive
    assert ids("InactiveOnly") == inactive
    assert ids("All") == {c["ListID"] for c in customers}


def test_no_match_is_status_one(quickbooks: SimulatedQuickBooks) -> None:
    body = (
        '<InvoiceQueryRq requestID="x"><ModifiedDateRangeFilter>'
        "<FromModifiedDate>2030-01-01</FromModifiedDate></ModifiedDateRangeFilter></InvoiceQueryRq>"
    )
    rs = one(quickbooks.process(qbxml(body)))
    assert (rs.status, rs.attributes["statusSeverity"], rs.attributes["requestID"]) == (
        1,
        "Info",
        "x",
    )
    assert rs.attributes["statusMessage"] == (
        "A query request did not find a matching object in QuickBooks"
    )


def test_ids_and_names_select_records(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    customer = next(c for c in company.records("Customer") if "ParentRef" in c)
    full_name = customer["FullName"].replace("&", "&amp;").replace("<", "&lt;")
    body = f"<CustomerQueryRq><FullName>{full_name}</FullName></CustomerQueryRq>"
    assert one(quickbooks.process(qbxml(body))).records == [customer]
    missing = one(
        quickbooks.process(
            qbxml(
                f"<CustomerQueryRq><ListID>{customer['ListID']}</ListID><ListID>80000999-1</ListID>"
                "</CustomerQueryRq>"
            )
        )
    )
    assert missing.status == 500
    assert missing.attributes["statusSeverity"] == "Warn"
    assert [r["ListID"] for r in missing.records] == [customer["ListID"]]


def test_account_query_ignores_iterators(
    quickbooks: SimulatedQuickBooks, company: SimulatedCompany
) -> None:
    rs = one(
        quickbooks.process(
            qbxml(
                '<AccountQueryRq iterator="Start"><MaxReturned>1000</MaxReturned></AccountQueryRq>'
            )
        )
    )
    assert "iteratorID" not in rs.attributes
    assert len(rs.records) == len(
        [a for a in company.records("Account") if a["IsActive"] == "true"]
    )
    assert any(":" in r["FullName"] for r in rs.records)


def test_item_query_returns_every_item_kind(quickbooks: SimulatedQuickBooks) -> None:
    rs = one(
        quickbooks.process(
            qbxml('<ItemQueryRq iterator="Start"><MaxReturned>100</MaxReturned></ItemQueryRq>')
        )
    )
    assert set(rs.ret_names) == {
        "ItemServiceRet",
        "ItemNonInventoryRet",
        "ItemInventoryRet",
        "ItemInventoryAssemblyRet",
        "ItemOtherChargeRet",
        "ItemDiscountRet",
        "ItemPaymentRet",
        "ItemSubtotalRet",
        "ItemGroupRet",
        "ItemFixedAssetRet",
        "ItemSalesTaxRet",
        "ItemSalesTaxGroupRet",
    }


def test_text_is_escaped_and_read_back(
    quickbooks: SimulatedQuickBooks, company: SimulatedCompany
) -> None:
    rs = one(
        quickbooks.process(
            qbxml("<CustomerQueryRq><ActiveStatus>All</ActiveStatus></CustomerQueryRq>")
        )
    )
    assert rs.records == list(company.records("Customer"))
    assert any("&" in r["FullName"] for r in rs.records + list(company.records("Vendor")))


@pytest.mark.parametrize(
    "body",
    [
        "<CustomerQueryRq><ActiveStatus>All</ActiveStatus><MaxReturned>5</MaxReturned></CustomerQueryRq>",
        "<CustomerQueryRq><Bogus>1</Bogus></CustomerQueryRq>",
        "<CustomerQueryRq><ListID>1</ListID><FullName>a</FullName></CustomerQueryRq>",
        "<CustomerQueryRq><ListID>1</ListID><MaxReturned>5</MaxReturned></CustomerQueryRq>",
        "<CustomerQueryRq><ActiveStatus>Sometimes</ActiveStatus></CustomerQueryRq>",
        "<InvoiceQueryRq><IncludeLineItems>true</IncludeLineItems><MaxReturned>1</MaxReturned></InvoiceQueryRq>",
        "<InvoiceQueryRq><ModifiedDateRangeFilter><ToModifiedDate>2020-01-01</ToModifiedDate>"
        "<FromModifiedDate>2019-01-01</FromModifiedDate></ModifiedDateRangeFilter></InvoiceQueryRq>",
        "<FrobnicateQueryRq/>",
        "<ListDeletedQueryRq/>",
        '<InvoiceQueryRq iterator="Continue"/>',
    ],
)
def test_requests_that_break_the_schema_fail_whole(
    quickbooks: SimulatedQuickBooks, body: str
) -> None:
    with pytest.raises(QuickBooksHResultError) as caught:
        quickbooks.process(qbxml("<HostQueryRq/>" + body))
    assert caught.value.hresult == "0x80040400"


def test_malformed_xml_fails_whole(quickbooks: SimulatedQuickBooks) -> None:
    with pytest.raises(QuickBooksHResultError) as caught:
        quickbooks.process(qbxml("<HostQueryRq>"))
    assert caught.value.hresult == "0x80040400"


def test_doctype_is_refused_as_hostile(quickbooks: SimulatedQuickBooks) -> None:
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><?qbxml version="16.0"?><QBXML/>'
    )
    with pytest.raises(InvalidXML):
        quickbooks.process(hostile)


def test_unsupported_versions(company: SimulatedCompany, tmp_path: Any) -> None:
    quickbooks = SimulatedQuickBooks(company)
    quickbooks.begin_session()
    with pytest.raises(QuickBooksHResultError) as caught:
        quickbooks.process(qbxml("<HostQueryRq/>", version="17.0"))
    assert caught.value.hresult == "0x80040423"
    with pytest.raises(QuickBooksHResultError):
        quickbooks.process(qbxml("<HostQueryRq/>", version="CA3.0"))
    with SimulatedCompany.open(tmp_path / "ca.qbsim", country="CA") as canadian:
        ca = SimulatedQuickBooks(canadian)
        assert ca.begin_session().country == "CA"
        assert one(ca.process(qbxml("<HostQueryRq/>", version="CA3.0"))).status == 0


def test_injected_failures_and_on_error(company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(company, failures={"InvoiceQueryRq": 3175})
    quickbooks.begin_session()
    body = '<InvoiceQueryRq requestID="1"/><CustomerQueryRq requestID="2"/>'
    stopped = responses(quickbooks.process(qbxml(body)))
    assert [(r.name, r.status) for r in stopped] == [("InvoiceQueryRs", 3175)]
    assert stopped[0].attributes["statusSeverity"] == "Error"
    carried_on = responses(quickbooks.process(qbxml(body, on_error="continueOnError")))
    assert [(r.name, r.status) for r in carried_on] == [
        ("InvoiceQueryRs", 3175),
        ("CustomerQueryRs", 0),
    ]


def test_an_info_status_does_not_stop_the_set(quickbooks: SimulatedQuickBooks) -> None:
    body = (
        '<CustomerQueryRq requestID="1"><FromModifiedDate>2031-01-01</FromModifiedDate>'
        "</CustomerQueryRq>"
        '<VendorQueryRq requestID="2"/>'
    )
    assert [r.status for r in responses(quickbooks.process(qbxml(body)))] == [1, 0]


def test_unsupported_request_in_this_edition(company: SimulatedCompany) -> None:
    company.set_unsupported({"ItemServiceQueryRq"})
    quickbooks = SimulatedQuickBooks(company)
    quickbooks.begin_session()
    rs = one(quickbooks.process(qbxml("<ItemServiceQueryRq/>")))
    assert rs.status == 3250


def test_deleted_queries_list_churned_deletions(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    summary = company.churn(200)
    body = (
        "<TxnDeletedQueryRq><TxnDelType>Invoice</TxnDelType><DeletedDateRangeFilter>"
        "<FromDeletedDate>2026-06-01T09:00:00-08:00</FromDeletedDate></DeletedDateRangeFilter>"
        "</TxnDeletedQueryRq>"
        "<ListDeletedQueryRq><ListDelType>Customer</ListDelType><ListDelType>Vendor</ListDelType>"
        "</ListDeletedQueryRq>"
    )
    txns, lists = responses(quickbooks.process(qbxml(body)))
    assert len(txns.records) == summary.deleted["InvoiceRet"]
    assert txns.records == company.deleted("Invoice")
    assert set(txns.ret_names) == {"TxnDeletedRet"}
    assert len(lists.records) == summary.deleted.get("CustomerRet", 0) + summary.deleted.get(
        "VendorRet", 0
    )
    later = (
        "<TxnDeletedQueryRq><TxnDelType>Invoice</TxnDelType><DeletedDateRangeFilter>"
        "<FromDeletedDate>2026-06-02T09:00:01</FromDeletedDate></DeletedDateRangeFilter>"
        "</TxnDeletedQueryRq>"
    )
    assert one(quickbooks.process(qbxml(later))).status == 1


def test_churned_changes_are_found_by_modified_date(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    summary = company.churn(100)
    body = (
        "<InvoiceQueryRq><ModifiedDateRangeFilter>"
        "<FromModifiedDate>2026-06-01T09:00:01</FromModifiedDate>"
        "</ModifiedDateRangeFilter><IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>"
    )
    rs = one(quickbooks.process(qbxml(body)))
    expected = sum(
        tally.get("InvoiceRet", 0)
        for tally in (summary.created, summary.modified, summary.cascaded)
    )
    assert len(rs.records) == expected


def test_entity_and_paid_filters(
    company: SimulatedCompany, quickbooks: SimulatedQuickBooks
) -> None:
    invoice = next(iter(company.records("Invoice")))
    customer = invoice["CustomerRef"]["ListID"]
    body = (
        f"<InvoiceQueryRq><EntityFilter><ListID>{customer}</ListID></EntityFilter>"
        "<PaidStatus>All</PaidStatus></InvoiceQueryRq>"
    )
    records = one(quickbooks.process(qbxml(body))).records
    assert invoice["TxnID"] in {r["TxnID"] for r in records}
    assert all(r["CustomerRef"]["ListID"] == customer for r in records)
    unpaid = one(
        quickbooks.process(
            qbxml("<InvoiceQueryRq><PaidStatus>NotPaidOnly</PaidStatus></InvoiceQueryRq>")
        )
    )
    assert unpaid.records
    assert all(r["IsPaid"] == "false" for r in unpaid.records)


def test_host_session_unpacks_as_the_web_connector_expects(company: SimulatedCompany) -> None:
    session = SimulatedQuickBooks(company).begin_session()
    hcp, company_file, country, major, minor = session
    assert (hcp, company_file, country) == (
        session.hcp_response,
        session.company_file,
        session.country,
    )
    assert (major, minor) == ("16", "0")
