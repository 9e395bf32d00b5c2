from __future__ import annotations

import pytest
from lxml import etree

from qbdsync.errors import InvalidValue
from qbdsync.mapping.purchases import (
    map_bill,
    map_bill_credit_note,
    map_bill_payment,
    map_item_receipt,
    map_purchase_order,
)
from qbdsync.qbxml.parser import element_to_dict

from .helpers import STAMPS, ctx, ref

EXPENSE = {
    "TxnLineID": "E1",
    "AccountRef": ref("A5", "Rent"),
    "Amount": "1000.00",
    "Memo": "March rent",
    "ClassRef": ref("C1", "East"),
    "BillableStatus": "NotBillable",
}
ITEM = {
    "TxnLineID": "I1",
    "ItemRef": ref("I3", "Widget"),
    "Desc": "Blue widget",
    "Quantity": "10",
    "Cost": "7.25",
    "Amount": "72.50",
}


def bill(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "7A-1",
        **STAMPS,
        "VendorRef": ref("V1", "Acme Supplies"),
        "APAccountRef": ref("A3", "Accounts Payable"),
        "TxnDate": "2024-03-01",
        "DueDate": "2024-03-31",
        "AmountDue": "1172.50",
        "RefNumber": "INV-88",
        "IsPaid": "false",
        "ExpenseLineRet": [EXPENSE],
        "ItemLineRet": [ITEM],
        "ItemGroupLineRet": [
            {
                "TxnLineID": "G1",
                "ItemGroupRef": ref("I6", "Kit"),
                "TotalAmount": "100.00",
                "ItemLineRet": [{**ITEM, "TxnLineID": "G1a", "Amount": "100.00"}],
            }
        ],
        "OpenAmount": "1172.50",
        **extra,
    }


def test_bill_lines_from_expenses_items_and_groups() -> None:
    mapped = map_bill(bill(), ctx("BillRet"))
    assert mapped["reference"] == "INV-88"
    assert mapped["supplierRef"] == {"id": "V1", "supplierName": "Acme Supplies"}
    assert mapped["status"] == "Open"
    assert mapped["totalAmount"] == 1172.5
    assert mapped["amountDue"] == 1172.5
    assert mapped["taxAmount"] == 0.0
    assert [line["lineNumber"] for line in mapped["lineItems"]] == ["E1", "I1", "G1a"]
    expense, item, _ = mapped["lineItems"]
    assert expense["accountRef"] == {"id": "A5", "name": "Rent"}
    assert expense["itemRef"] is None
    assert expense["description"] == "March rent"
    assert expense["subTotal"] == 1000.0
    assert item["itemRef"] == {"id": "I3", "name": "Widget"}
    assert item["accountRef"] is None
    assert (item["quantity"], item["unitAmount"]) == (10.0, 7.25)


def test_bill_partly_paid_paid_and_void() -> None:
    partly = bill(
        OpenAmount="172.50",
        LinkedTxn=[
            {
                "TxnID": "8B-1",
                "TxnType": "BillPaymentCheck",
                "TxnDate": "2024-03-15",
                "Amount": "-1000.00",
            },
            {"TxnID": "PO-1", "TxnType": "PurchaseOrder", "RefNumber": "PO-1", "Amount": "0.00"},
        ],
    )
    mapped = map_bill(partly, ctx("BillRet"))
    assert mapped["status"] == "PartiallyPaid"
    assert mapped["amountDue"] == 172.5
    assert [a["payment"]["id"] for a in mapped["paymentAllocations"]] == ["8B-1"]
    assert mapped["purchaseOrderRefs"] == [{"id": "PO-1", "purchaseOrderNumber": "PO-1"}]
    assert map_bill(bill(OpenAmount="0.00", IsPaid="true"), ctx())["status"] == "Paid"
    assert (
        map_bill(bill(AmountDue="0.00", OpenAmount="0.00", Memo="VOID: typo"), ctx())["status"]
        == "Void"
    )


def test_bill_multicurrency() -> None:
    mapped = map_bill(
        bill(CurrencyRef=ref("CU-GBP", "British Pound Sterling"), ExchangeRate="1.27"), ctx()
    )
    assert (mapped["currency"], mapped["currencyRate"]) == ("GBP", 1.27)


def test_bill_without_open_amount_has_no_amount_due() -> None:
    raw = bill()
    del raw["OpenAmount"]
    mapped = map_bill(raw, ctx())
    assert mapped["amountDue"] is None
    assert mapped["status"] == "Open"


def test_bill_line_with_decimal_comma_is_refused() -> None:
    with pytest.raises(InvalidValue, match="Amount"):
        map_bill(bill(ExpenseLineRet=[{**EXPENSE, "Amount": "1000,00"}]), ctx())


def test_bill_parsed_from_xml_with_one_line_of_each_kind() -> None:
    xml = (
        "<BillRet><TxnID>7A-2</TxnID><TimeModified>2024-03-02T10:30:00-08:00</TimeModified>"
        "<VendorRef><ListID>V1</ListID><FullName>Acme</FullName></VendorRef>"
        "<TxnDate>2024-03-01</TxnDate><AmountDue>10.00</AmountDue><IsPaid>false</IsPaid>"
        "<ExpenseLineRet><TxnLineID>E1</TxnLineID><AccountRef><ListID>A5</ListID></AccountRef>"
        "<Amount>10.00</Amount></ExpenseLineRet><OpenAmount>10.00</OpenAmount></BillRet>"
    )
    raw = element_to_dict(etree.fromstring(xml))
    assert isinstance(raw["ExpenseLineRet"], list)
    mapped = map_bill(raw, ctx("BillRet"))
    assert mapped["lineItems"][0]["accountRef"] == {"id": "A5"}
    assert mapped["status"] == "Open"


def vendor_credit(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "9C-1",
        **STAMPS,
        "VendorRef": ref("V1", "Acme Supplies"),
        "TxnDate": "2024-03-05",
        "CreditAmount": "200.00",
        "RefNumber": "CR-3",
        "ExpenseLineRet": [{**EXPENSE, "Amount": "200.00"}],
        "OpenAmount": "200.00",
        **extra,
    }


def test_bill_credit_note() -> None:
    mapped = map_bill_credit_note(vendor_credit(), ctx("VendorCreditRet"))
    assert mapped["billCreditNoteNumber"] == "CR-3"
    assert mapped["totalAmount"] == 200.0
    assert mapped["remainingCredit"] == 200.0
    assert mapped["status"] == "Submitted"
    assert (
        map_bill_credit_note(vendor_credit(OpenAmount="50.00"), ctx())["status"] == "PartiallyPaid"
    )
    assert map_bill_credit_note(vendor_credit(OpenAmount="0.00"), ctx())["status"] == "Paid"
    no_open = vendor_credit()
    del no_open["OpenAmount"]
    assert map_bill_credit_note(no_open, ctx())["remainingCredit"] is None


def test_bill_payment_by_check_and_by_credit_card() -> None:
    applied = {
        "TxnID": "7A-1",
        "TxnType": "Bill",
        "TxnDate": "2024-03-01",
        "RefNumber": "INV-88",
        "Amount": "1000.00",
    }
    check = {
        "TxnID": "8B-1",
        **STAMPS,
        "PayeeEntityRef": ref("V1", "Acme Supplies"),
        "APAccountRef": ref("A3", "Accounts Payable"),
        "TxnDate": "2024-03-15",
        "BankAccountRef": ref("A1", "Checking"),
        "Amount": "1000.00",
        "RefNumber": "1042",
        "Memo": "March",
        "AppliedToTxnRet": [applied],
    }
    mapped = map_bill_payment(check, ctx("BillPaymentCheckRet"))
    assert mapped["supplierRef"] == {"id": "V1", "supplierName": "Acme Supplies"}
    assert mapped["accountRef"] == {"id": "A1", "name": "Checking"}
    assert mapped["totalAmount"] == 1000.0
    assert mapped["reference"] == "1042"
    assert mapped["lines"] == [
        {
            "amount": 1000.0,
            "allocatedOnDate": "2024-03-15",
            "links": [{"type": "Bill", "id": "7A-1", "amount": -1000.0}],
        }
    ]
    card = {k: v for k, v in check.items() if k != "BankAccountRef"}
    card["CreditCardAccountRef"] = ref("A9", "Visa")
    assert map_bill_payment(card, ctx("BillPaymentCreditCardRet"))["accountRef"]["id"] == "A9"


def test_purchase_order_and_item_receipt() -> None:
    po = {
        "TxnID": "PO-1",
        **STAMPS,
        "VendorRef": ref("V1", "Acme Supplies"),
        "TxnDate": "2024-02-20",
        "RefNumber": "PO-1",
        "ExpectedDate": "2024-03-01",
        "TotalAmount": "72.50",
        "IsManuallyClosed": "false",
        "IsFullyReceived": "false",
        "ShipAddress": {"Addr1": "1 Dock Rd", "City": "Springfield"},
        "PurchaseOrderLineRet": [
            {
                "TxnLineID": "P1",
                "ItemRef": ref("I3", "Widget"),
                "Quantity": "10",
                "Rate": "7.25",
                "Amount": "72.50",
            }
        ],
    }
    mapped = map_purchase_order(po, ctx("PurchaseOrderRet"))
    assert mapped["purchaseOrderNumber"] == "PO-1"
    assert mapped["status"] == "Open"
    assert mapped["expectedDeliveryDate"] == "2024-03-01"
    assert mapped["lineItems"][0]["unitAmount"] == 7.25
    assert mapped["shipTo"]["address"]["line1"] == "1 Dock Rd"
    assert map_purchase_order({**po, "IsFullyReceived": "true"}, ctx())["status"] == "Closed"
    receipt = {
        "TxnID": "IR-1",
        **STAMPS,
        "VendorRef": ref("V1", "Acme Supplies"),
        "TxnDate": "2024-03-01",
        "TotalAmount": "72.50",
        "LinkedTxn": [
            {"TxnID": "PO-1", "TxnType": "PurchaseOrder", "RefNumber": "PO-1", "Amount": "0.00"}
        ],
        "ItemLineRet": [ITEM],
    }
    mapped = map_item_receipt(receipt, ctx("ItemReceiptRet"))
    assert mapped["purchaseOrderRefs"][0]["id"] == "PO-1"
    assert mapped["totalAmount"] == 72.5
    assert mapped["lineItems"][0]["itemRef"]["id"] == "I3"
