"""The write builders: schema order, escaping, ExternalGUID, ids, message-set attributes."""

from __future__ import annotations

import pytest
from lxml import etree

from qbdsync.errors import RequestBug
from qbdsync.qbxml.write_schema import WRITE_ORDER, sequence_violation
from qbdsync.qbxml.writes import (
    AddRequest,
    DelRequest,
    ModRequest,
    build_recovery_clear,
    build_recovery_query,
    build_write_set,
    ref,
)

GUID = "{6B29FC40-CA47-1067-B31D-00DD010662DA}"


def _root(document: str) -> etree._Element:
    return etree.fromstring(document.encode("utf-8"))


def _tags(element: etree._Element) -> list[str]:
    return [str(child.tag) for child in element]


def test_add_children_are_sorted_into_schema_order_and_lines_keep_theirs() -> None:
    document = build_write_set(
        "16.0",
        [
            AddRequest(
                "Invoice",
                "7",
                (
                    ("InvoiceLineAdd", (("Amount", "1.00"), ("ItemRef", ref(full_name="A")))),
                    ("Memo", "first"),
                    ("InvoiceLineAdd", (("Desc", "second line"),)),
                    ("CustomerRef", ref("80000001-1")),
                    ("TxnDate", "2026-01-02"),
                ),
                external_guid=GUID,
            )
        ],
        new_message_set_id="set-1",
    )
    root = _root(document)
    message_set = root[0]
    assert message_set.get("newMessageSetID") == "set-1"
    assert message_set.get("onError") == "stopOnError"
    add = message_set[0][0]
    assert _tags(add) == [
        "CustomerRef",
        "TxnDate",
        "Memo",
        "ExternalGUID",
        "InvoiceLineAdd",
        "InvoiceLineAdd",
    ]
    assert _tags(add[4]) == ["ItemRef", "Amount"]
    assert add[5].findtext("Desc") == "second line"
    assert sequence_violation("InvoiceAdd", _tags(add)) is None


def test_text_is_escaped_and_non_ascii_written_as_references() -> None:
    document = build_write_set(
        "13.0",
        [AddRequest("Customer", "1", (("Name", 'D\u00e9cor & <Sons> "x"'),), external_guid=GUID)],
    )
    assert "D&#233;cor &amp; &lt;Sons&gt;" in document
    assert _root(document).findtext(".//Name") == 'D\u00e9cor & <Sons> "x"'


def test_values_are_never_shortened() -> None:
    long_name = "N" * 60  # past QuickBooks' 41: validation's job, not the builder's
    document = build_write_set(
        "16.0", [AddRequest("Vendor", "1", (("Name", long_name),), external_guid=GUID)]
    )
    assert _root(document).findtext(".//Name") == long_name


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (AddRequest("Invoice", "1", (("Bogus", "x"),), external_guid=GUID), "no child"),
        (AddRequest("Invoice", "1", (("Memo", "a"), ("Memo", "b")), GUID), "only once"),
        (AddRequest("Invoice", "1", (("Memo", "a"),)), "ExternalGUID"),
        (AddRequest("Invoice", "1", (("Memo", "a"),), external_guid="nope"), "GUID"),
        (AddRequest("Account", "1", (("Name", "a"),), external_guid=GUID), "no ExternalGUID"),
        (AddRequest("Invoice", "1", (("CustomerRef", "x"),), GUID), "holds elements"),
        (AddRequest("Invoice", "1", (("Memo", (("A", "b"),)),), GUID), "holds text"),
        (AddRequest("Invoice", "1", (("Memo", "bell\x07"),), GUID), "cannot carry"),
        (
            AddRequest("SalesOrPurchase", "1", (("Price", "1"), ("PricePercent", "2")), GUID),
            "no Add",
        ),
        (
            AddRequest(
                "ItemService",
                "1",
                (("Name", "S"), ("SalesOrPurchase", (("Price", "1"), ("PricePercent", "2")))),
                GUID,
            ),
            "alternatives",
        ),
        (ModRequest("BillPaymentCreditCard", "1", "1-1", "1"), "cannot modify"),
        (ModRequest("Invoice", "1", "not an id", "1"), "not a QuickBooks"),
        (ModRequest("Invoice", "1", "5D-1", "1" * 17), "EditSequence"),
        (ModRequest("Invoice", "1", "5D-1", "1", (("EditSequence", "2"),)), "separately"),
        (DelRequest("Transfer", "1", "5D-1"), "cannot delete"),
    ],
)
def test_what_quickbooks_would_refuse_is_refused(request_: object, message: str) -> None:
    with pytest.raises(RequestBug, match=message):
        build_write_set("16.0", [request_])  # type: ignore[list-item]


def test_mod_leads_with_id_and_edit_sequence() -> None:
    document = build_write_set(
        "16.0",
        [ModRequest("Customer", "2", "80000007-1700000000", "1700000001", (("Phone", "1"),))],
    )
    mod = _root(document)[0][0][0]
    assert mod.tag == "CustomerMod"
    assert _tags(mod) == ["ListID", "EditSequence", "Phone"]


def test_delete_requests() -> None:
    root = _root(
        build_write_set(
            "16.0", [DelRequest("Customer", "1", "80000007-1"), DelRequest("Bill", "2", "5A-1")]
        )
    )
    list_del, txn_del = root[0]
    assert list_del.tag == "ListDelRq" and _tags(list_del) == ["ListDelType", "ListID"]
    assert txn_del.tag == "TxnDelRq" and txn_del.findtext("TxnDelType") == "Bill"


def test_version_dependent_elements() -> None:
    with pytest.raises(RequestBug, match=r"qbXML 8\.0"):
        build_write_set("7.0", [AddRequest("Customer", "1", (("Name", "a"),), GUID)])
    with pytest.raises(RequestBug, match=r"qbXML 12\.0"):
        build_write_set("11.0", [AddRequest("Transfer", "1", (("Amount", "1.00"),))])
    with pytest.raises(RequestBug, match="not a qbXML version"):
        build_write_set("16", [])


def test_recovery_sets() -> None:
    query = _root(build_recovery_query("16.0", "abc"))[0]
    assert query.get("oldMessageSetID") == "abc" and query.get("newMessageSetID") == "abc"
    assert len(query) == 0
    clear = _root(build_recovery_clear("16.0", "abc"))[0]
    assert clear.get("oldMessageSetID") == "abc" and clear.get("newMessageSetID") is None
    with pytest.raises(RequestBug, match="24"):
        build_recovery_query("16.0", "x" * 25)


def test_every_add_with_a_guid_slot_puts_it_before_lines() -> None:
    for name, order in WRITE_ORDER.items():
        names = [member for child in order for member in child.names]
        if "ExternalGUID" in names:
            assert name.endswith("Add")
            after = names[names.index("ExternalGUID") + 1 :]
            assert all(not n.endswith("Ret") for n in after)
