"""The write builders: schema order, escaping, ExternalGUID, ids, message-set attributes."""

from __future__ import annotations

import pytest
from lxml import etree

from qbdsync.errors import RequestBug
from qbdsync.qbxml.write_schema import WRITE_ORDER, max_length, sequence_violation
from qbdsync.qbxml.writes import (
    AddRequest,
    DelRequest,
    Field,
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


# -- facts checked against Intuit's qbXML request data ------------------------------------------


def _add_tags(version: str, request: AddRequest) -> list[str]:
    return _tags(_root(build_write_set(version, [request]))[0][0][0])


def test_item_heads_put_class_and_parent_where_each_kind_has_them() -> None:
    given = (
        ("ParentRef", ref(full_name="Parts")),
        ("ClassRef", ref(full_name="East")),
        ("BarCode", (("BarCodeValue", "0123456789012"),)),
        ("Name", "Widget"),
    )
    non_inventory = _add_tags("16.0", AddRequest("ItemNonInventory", "1", given, GUID))
    assert non_inventory[:4] == ["Name", "BarCode", "ParentRef", "ClassRef"]
    service = _add_tags("16.0", AddRequest("ItemService", "1", given, GUID))
    assert service[:4] == ["Name", "BarCode", "ClassRef", "ParentRef"]
    with pytest.raises(RequestBug, match="no child element <BarCodeValue>"):
        build_write_set("16.0", [AddRequest("ItemService", "1", (("BarCodeValue", "1"),), GUID)])
    with pytest.raises(RequestBug, match=r"<BarCode> in <ItemServiceAdd> needs qbXML 12\.0"):
        build_write_set("11.0", [AddRequest("ItemService", "1", given[2:], GUID)])


def test_vendor_writes_take_no_tax_agency_flag_and_several_prefill_accounts() -> None:
    with pytest.raises(RequestBug, match="no child element <IsTaxAgency>"):
        build_write_set("16.0", [AddRequest("Vendor", "1", (("IsTaxAgency", "true"),), GUID)])
    tags = _add_tags(
        "16.0",
        AddRequest(
            "Vendor",
            "1",
            (
                ("PrefillAccountRef", ref(full_name="Rent")),
                ("Name", "Landlord"),
                ("PrefillAccountRef", ref(full_name="Utilities")),
            ),
            GUID,
        ),
    )
    assert tags == ["Name", "ExternalGUID", "PrefillAccountRef", "PrefillAccountRef"]


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (
            "PurchaseOrder",
            (
                ("InventorySiteRef", ref(full_name="Main")),
                ("ShipToEntityRef", ref(full_name="A Customer")),
            ),
        ),
        (
            "JournalEntry",
            (("IsHomeCurrencyAdjustment", "true"), ("CurrencyRef", ref(full_name="Euro"))),
        ),
    ],
)
def test_schema_alternatives_are_refused_together(kind: str, fields: tuple[Field, ...]) -> None:
    with pytest.raises(RequestBug, match="alternatives"):
        build_write_set("16.0", [AddRequest(kind, "1", fields, GUID)])
    names = [name for name, _ in fields]
    violation = sequence_violation(f"{kind}Add", names)
    assert violation is not None and "alternatives" in violation


def test_external_guid_versions_differ_for_lists_and_transactions() -> None:
    invoice = (("CustomerRef", ref(full_name="A")),)
    # 8.0 has no ExternalGUID on transactions: the Add goes without, and one given is refused.
    assert "ExternalGUID" not in _add_tags("8.0", AddRequest("Invoice", "1", invoice))
    with pytest.raises(RequestBug, match=r"<ExternalGUID> in <InvoiceAdd> needs qbXML 9\.0"):
        build_write_set("8.0", [AddRequest("Invoice", "1", invoice, GUID)])
    with pytest.raises(RequestBug, match="every Add must carry one"):
        build_write_set("9.0", [AddRequest("Invoice", "1", invoice)])
    assert "ExternalGUID" in _add_tags("8.0", AddRequest("Customer", "1", (("Name", "A"),), GUID))
    with pytest.raises(RequestBug, match="every Add must carry one"):
        build_write_set("8.0", [AddRequest("Customer", "1", (("Name", "A"),))])


def test_elements_newer_than_the_session_are_refused() -> None:
    bill = (
        ("VendorRef", ref(full_name="V")),
        ("VendorAddress", (("Addr1", "1 High St"),)),
    )
    with pytest.raises(RequestBug, match=r"<VendorAddress> in <BillAdd> needs qbXML 13\.0"):
        build_write_set("12.0", [AddRequest("Bill", "1", bill, GUID)])
    assert "VendorAddress" in _add_tags("13.0", AddRequest("Bill", "1", bill, GUID))
    with pytest.raises(RequestBug, match=r"<Addr5> in <BillAddress> needs qbXML 6\.0"):
        build_write_set(
            "5.0",
            [AddRequest("Invoice", "1", (("BillAddress", (("Addr5", "x"),)),))],
        )
    with pytest.raises(RequestBug, match=r"<VendorCreditMod> needs qbXML 8\.0"):
        build_write_set("7.0", [ModRequest("VendorCredit", "1", "5A-1", "1", (("Memo", "m"),))])


def test_credit_card_charges_can_be_modified() -> None:
    document = build_write_set(
        "16.0", [ModRequest("CreditCardCharge", "1", "5A-1", "9", (("Memo", "fuel"),))]
    )
    mod = _root(document)[0][0][0]
    assert mod.tag == "CreditCardChargeMod"
    assert _tags(mod) == ["TxnID", "EditSequence", "Memo"]


@pytest.mark.parametrize(
    ("parent", "child", "length"),
    [
        ("CustomerAdd", "Name", 41),
        ("VendorMod", "Name", 41),
        ("AccountAdd", "Name", 31),
        ("ItemServiceAdd", "Name", 31),
        ("InvoiceAdd", "RefNumber", 11),
        ("BillAdd", "RefNumber", 20),
        ("VendorCreditMod", "RefNumber", 20),
        ("ReceivePaymentAdd", "RefNumber", 20),
        ("CheckAdd", "RefNumber", 11),
        ("BillAddress", "Addr1", 41),
        ("VendorAddress", "City", 31),
        ("ShipAddress", "State", 21),
        ("Address", "PostalCode", 13),
        ("InvoiceLineAdd", "Desc", 4095),
        ("InvoiceMod", "EditSequence", 16),
    ],
)
def test_max_lengths_are_quickbooks_desktop_limits(parent: str, child: str, length: int) -> None:
    assert max_length(parent, child) == length


def test_references_amounts_and_dates_have_no_length() -> None:
    assert max_length("InvoiceAdd", "CustomerRef") is None
    assert max_length("InvoiceLineAdd", "Amount") is None
    assert max_length("BillAdd", "TxnDate") is None
