from __future__ import annotations

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.mapping.invoices import map_invoice as map_invoice_old_path
from qbdsync.mapping.sales import (
    map_credit_note,
    map_estimate,
    map_invoice,
    map_payment,
    map_sales_order,
)

from .helpers import STAMPS, ctx, ref


def sales_line(line_id: str, amount: str, **extra: object) -> dict[str, object]:
    return {
        "TxnLineID": line_id,
        "ItemRef": ref("I1", "Consulting"),
        "Desc": "Consulting hour",
        "Quantity": "2",
        "Rate": "150.00",
        "ClassRef": ref("C1", "East"),
        "Amount": amount,
        "SalesTaxCodeRef": ref("T1", "Non"),
        **extra,
    }


def invoice(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "1A-1709400600",
        **STAMPS,
        "TxnNumber": "12",
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "ARAccountRef": ref("A2", "Accounts Receivable"),
        "TxnDate": "2024-03-01",
        "RefNumber": "1001",
        "DueDate": "2024-03-31",
        "Subtotal": "300.00",
        "SalesTaxTotal": "0.00",
        "BalanceRemaining": "300.00",
        "IsPaid": "false",
        "InvoiceLineRet": [sales_line("L1", "300.00")],
        **extra,
    }


def test_invoice_import_path_still_works() -> None:
    assert map_invoice_old_path is map_invoice


def test_invoice_with_group_lines_and_partial_payment() -> None:
    raw = invoice(
        Subtotal="400.00",
        BalanceRemaining="150.00",
        InvoiceLineGroupRet=[
            {
                "TxnLineID": "G1",
                "ItemGroupRef": ref("I6", "Kit"),
                "TotalAmount": "100.00",
                "InvoiceLineRet": [sales_line("G1a", "100.00", Quantity="1", Rate="100.00")],
            }
        ],
        LinkedTxn=[
            {
                "TxnID": "2B-1",
                "TxnType": "ReceivePayment",
                "TxnDate": "2024-03-05",
                "RefNumber": "55",
                "LinkType": "AMTTYPE",
                "Amount": "-250.00",
            }
        ],
    )
    mapped = map_invoice(raw, ctx("InvoiceRet"))
    assert mapped["status"] == "PartiallyPaid"
    assert mapped["totalAmount"] == 400.0
    assert mapped["amountDue"] == 150.0
    assert [line["lineNumber"] for line in mapped["lineItems"]] == ["L1", "G1a"]
    assert mapped["lineItems"][0]["quantity"] == 2.0
    assert mapped["lineItems"][0]["unitAmount"] == 150.0
    assert mapped["lineItems"][0]["trackingCategoryRefs"] == [{"id": "C1", "name": "East"}]
    assert mapped["paymentAllocations"][0]["payment"]["id"] == "2B-1"
    assert mapped["paymentAllocations"][0]["allocation"]["totalAmount"] == -250.0
    assert mapped["customerRef"] == {"id": "CU1", "companyName": "Acme Ltd"}
    assert mapped["supplementalData"] == {"content": {}}


def test_paid_void_and_multicurrency_invoice() -> None:
    assert map_invoice(invoice(BalanceRemaining="0.00", IsPaid="true"), ctx())["status"] == "Paid"
    voided = invoice(Subtotal="0.00", BalanceRemaining="0.00", Memo="VOID: duplicate")
    assert map_invoice(voided, ctx())["status"] == "Void"
    foreign = map_invoice(invoice(CurrencyRef=ref("CU-EUR", "Euro"), ExchangeRate="1.0825"), ctx())
    assert (foreign["currency"], foreign["currencyRate"]) == ("EUR", 1.0825)
    home = map_invoice(invoice(), ctx())
    assert (home["currency"], home["currencyRate"]) == ("USD", 1.0)


def test_invoice_with_decimal_comma_is_refused() -> None:
    with pytest.raises(InvalidValue, match="Subtotal"):
        map_invoice(invoice(Subtotal="7038,20"), ctx())


def credit_memo(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "3C-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "TxnDate": "2024-03-10",
        "RefNumber": "CM-7",
        "Subtotal": "100.00",
        "SalesTaxTotal": "8.25",
        "TotalAmount": "108.25",
        "CreditRemaining": "108.25",
        "CreditMemoLineRet": [sales_line("L1", "100.00", TaxAmount="8.25")],
        **extra,
    }


def test_credit_note_unused_partly_used_and_used() -> None:
    fresh = map_credit_note(credit_memo(), ctx("CreditMemoRet"))
    assert fresh["creditNoteNumber"] == "CM-7"
    assert fresh["status"] == "Submitted"
    assert fresh["totalAmount"] == 108.25
    assert fresh["totalTaxAmount"] == 8.25
    assert fresh["remainingCredit"] == 108.25
    assert fresh["lineItems"][0]["taxAmount"] == 8.25
    assert fresh["lineItems"][0]["totalAmount"] == 108.25
    partly = credit_memo(
        CreditRemaining="8.25",
        LinkedTxn=[
            {"TxnID": "1A-1", "TxnType": "Invoice", "TxnDate": "2024-03-11", "Amount": "-100.00"}
        ],
    )
    mapped = map_credit_note(partly, ctx("CreditMemoRet"))
    assert mapped["status"] == "PartiallyPaid"
    assert mapped["paymentAllocations"][0]["payment"]["id"] == "1A-1"
    assert map_credit_note(credit_memo(CreditRemaining="0.00"), ctx())["status"] == "Paid"
    assert map_credit_note(credit_memo(Memo="VOID:"), ctx())["status"] == "Void"


def test_credit_note_without_remaining_credit_has_none() -> None:
    raw = credit_memo()
    del raw["CreditRemaining"]
    mapped = map_credit_note(raw, ctx())
    assert mapped["remainingCredit"] is None
    assert mapped["status"] == "Submitted"


def payment(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "4D-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "ARAccountRef": ref("A2", "Accounts Receivable"),
        "TxnDate": "2024-03-05",
        "RefNumber": "5521",
        "TotalAmount": "300.00",
        "PaymentMethodRef": ref("P1", "Check"),
        "Memo": "Thanks",
        "DepositToAccountRef": ref("A1", "Checking"),
        "UnusedPayment": "50.00",
        "UnusedCredits": "0.00",
        "AppliedToTxnRet": [
            {
                "TxnID": "1A-1",
                "TxnType": "Invoice",
                "TxnDate": "2024-03-01",
                "RefNumber": "1001",
                "BalanceRemaining": "50.00",
                "Amount": "250.00",
                "DiscountAmount": "5.00",
            }
        ],
        **extra,
    }


def test_payment_lines_link_invoices_and_keep_unapplied_amount() -> None:
    mapped = map_payment(payment(), ctx("ReceivePaymentRet"))
    assert mapped["totalAmount"] == 300.0
    assert mapped["accountRef"] == {"id": "A1", "name": "Checking"}
    assert mapped["paymentMethodRef"] == {"id": "P1", "name": "Check"}
    assert mapped["reference"] == "5521"
    assert mapped["note"] == "Thanks"
    applied, unapplied = mapped["lines"]
    assert applied["amount"] == 250.0
    assert applied["links"][0] == {"type": "Invoice", "id": "1A-1", "amount": -250.0}
    assert applied["links"][1] == {"type": "Discount", "id": None, "amount": -5.0}
    assert unapplied == {"amount": 50.0, "allocatedOnDate": "2024-03-05", "links": []}


def test_payment_without_applications_or_unused_amount() -> None:
    raw = payment(UnusedPayment="0.00")
    del raw["AppliedToTxnRet"]
    assert map_payment(raw, ctx())["lines"] == []


def test_payment_applying_a_credit_memo_links_it() -> None:
    applied = {
        "TxnID": "1A-1",
        "TxnType": "Invoice",
        "Amount": "200.00",
        "LinkedTxn": [{"TxnID": "3C-1", "TxnType": "CreditMemo", "Amount": "-100.00"}],
    }
    mapped = map_payment(payment(AppliedToTxnRet=[applied], UnusedPayment="0.00"), ctx())
    links = mapped["lines"][0]["links"]
    assert links[1] == {"type": "CreditNote", "id": "3C-1", "amount": -100.0}


def test_sales_order_statuses() -> None:
    base = {
        "TxnID": "5E-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "TxnDate": "2024-03-01",
        "RefNumber": "SO-1",
        "Subtotal": "300.00",
        "SalesTaxTotal": "0.00",
        "TotalAmount": "300.00",
        "IsManuallyClosed": "false",
        "IsFullyInvoiced": "false",
        "SalesOrderLineRet": [sales_line("L1", "300.00", Invoiced="1")],
    }
    mapped = map_sales_order(base, ctx("SalesOrderRet"))
    assert (mapped["status"], mapped["invoicingStatus"]) == ("Open", "Unknown")
    assert mapped["salesOrderNumber"] == "SO-1"
    assert mapped["totalAmount"] == 300.0
    part = {**base, "LinkedTxn": [{"TxnID": "1A-1", "TxnType": "Invoice", "Amount": "100.00"}]}
    assert map_sales_order(part, ctx())["invoicingStatus"] == "PartiallyInvoiced"
    done = {**base, "IsFullyInvoiced": "true"}
    assert (
        map_sales_order(done, ctx())["status"],
        map_sales_order(done, ctx())["invoicingStatus"],
    ) == (
        "Closed",
        "Invoiced",
    )


def test_estimate() -> None:
    raw = {
        "TxnID": "6F-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "TxnDate": "2024-03-01",
        "RefNumber": "E-9",
        "IsActive": "true",
        "DueDate": "2024-04-01",
        "Subtotal": "300.00",
        "TotalAmount": "300.00",
        "EstimateLineRet": [sales_line("L1", "300.00")],
    }
    mapped = map_estimate(raw, ctx("EstimateRet"))
    assert mapped["estimateNumber"] == "E-9"
    assert mapped["expiryDate"] == "2024-04-01"
    assert mapped["totalTaxAmount"] is None
    assert len(mapped["lineItems"]) == 1
