"""Parts shared by the transaction mappers: line items, party refs, links and allocations.

QuickBooks spreads one concept over several element names (ExpenseLineRet and ItemLineRet on a
bill, InvoiceLineRet inside InvoiceLineGroupRet…); these helpers turn each into the one Codat
shape so every transaction type maps its lines the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbdsync.mapping.common import Raw, amount, children, decimal, number, ref, text

# QuickBooks TxnType (LinkedTxn, AppliedToTxnRet, DepositLineRet) → Codat link/record type.
LINK_TYPES: dict[str, str] = {
    "Invoice": "Invoice",
    "CreditMemo": "CreditNote",
    "Bill": "Bill",
    "VendorCredit": "CreditNote",
    "ReceivePayment": "Payment",
    "BillPaymentCheck": "BillPayment",
    "BillPaymentCreditCard": "BillPayment",
    "JournalEntry": "ManualJournal",
    "Deposit": "Other",
    "Check": "Other",
    "Charge": "Other",
    "StatementCharge": "Other",
}

# QuickBooks TxnType → the Codat data type its record is served under (recordRef.dataType).
DATA_TYPES: dict[str, str] = {
    "Invoice": "invoices",
    "CreditMemo": "creditNotes",
    "ReceivePayment": "payments",
    "SalesReceipt": "directIncomes",
    "Deposit": "directIncomes",
    "Bill": "bills",
    "VendorCredit": "billCreditNotes",
    "BillPaymentCheck": "billPayments",
    "BillPaymentCreditCard": "billPayments",
    "Check": "directCosts",
    "CreditCardCharge": "directCosts",
    "Transfer": "transfers",
    "JournalEntry": "journalEntries",
    "PurchaseOrder": "purchaseOrders",
    "SalesOrder": "salesOrders",
    "ItemReceipt": "itemReceipts",
}


def customer_ref(raw: Raw, name: str = "CustomerRef") -> dict[str, str | None] | None:
    value = ref(raw, name)
    return {"id": value.get("id"), "companyName": value.get("name")} if value else None


def supplier_ref(raw: Raw, name: str = "VendorRef") -> dict[str, str | None] | None:
    value = ref(raw, name)
    return {"id": value.get("id"), "supplierName": value.get("name")} if value else None


def contact_ref(raw: Raw, name: str, data_type: str | None) -> dict[str, str | None] | None:
    """Codat's contactRef {id, dataType}; dataType None when QuickBooks does not say which list
    the entity is in (a PayeeEntityRef can be a vendor, customer, employee or other name)."""
    value = ref(raw, name)
    return {"id": value.get("id"), "dataType": data_type} if value else None


def tracking_refs(line: Raw) -> list[dict[str, str]]:
    """A line's class and inventory site: the two lists served as tracking categories."""
    return [r for name in ("ClassRef", "InventorySiteRef") if (r := ref(line, name)) is not None]


def total(*values: Decimal | None) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def _zero(value: float | None) -> float:
    # Codat requires a number for unitAmount, quantity and taxAmount on every line; QuickBooks
    # leaves them out when they do not apply (an expense line has no quantity). 0 is Codat's
    # documented "not applicable" value, listed in docs/mapping.md.
    return 0.0 if value is None else value


def sales_line(line: Raw) -> dict[str, Any]:
    """InvoiceLineRet and its kin (CreditMemo…, SalesReceipt…, SalesOrder…, Estimate… LineRet)."""
    sub_total = amount(line, "Amount")
    tax = amount(line, "TaxAmount")
    if tax is None:
        line_total = sub_total
    else:
        # Added as exact decimals (floats could print 0.30000000000000004).
        line_total = number(total(decimal(line, "Amount"), decimal(line, "TaxAmount")), "Amount")
    return {
        "lineNumber": text(line, "TxnLineID"),
        "description": text(line, "Desc"),
        "unitAmount": _zero(amount(line, "Rate")),
        "quantity": _zero(amount(line, "Quantity")),
        "discountAmount": 0.0,
        "discountPercentage": None,
        "subTotal": sub_total,
        "taxAmount": _zero(tax),
        "totalAmount": line_total,
        "accountRef": None,
        "itemRef": ref(line, "ItemRef"),
        "taxRateRef": ref(line, "SalesTaxCodeRef"),
        "trackingCategoryRefs": tracking_refs(line),
        "isDirectIncome": False,
    }


def sales_lines(raw: Raw, line_name: str, group_name: str) -> list[dict[str, Any]]:
    """Plain lines and the lines inside item groups, in that order (the parser keeps the two
    element names apart, so their interleaving in QuickBooks is not known)."""
    lines = [sales_line(line) for line in children(raw, line_name)]
    for group in children(raw, group_name):
        lines.extend(sales_line(line) for line in children(group, line_name))
    return lines


def expense_line(line: Raw) -> dict[str, Any]:
    """ExpenseLineRet: an amount posted straight to an account."""
    sub_total = amount(line, "Amount")
    return {
        "lineNumber": text(line, "TxnLineID"),
        "description": text(line, "Memo"),
        "unitAmount": 0.0,
        "quantity": 0.0,
        "discountAmount": 0.0,
        "subTotal": sub_total,
        "taxAmount": 0.0,
        "totalAmount": sub_total,
        "accountRef": ref(line, "AccountRef"),
        "itemRef": None,
        "taxRateRef": ref(line, "SalesTaxCodeRef"),
        "trackingCategoryRefs": tracking_refs(line),
        "customerRef": customer_ref(line),
    }


def item_line(line: Raw) -> dict[str, Any]:
    """ItemLineRet: an item bought at a unit cost."""
    sub_total = amount(line, "Amount")
    return {
        "lineNumber": text(line, "TxnLineID"),
        "description": text(line, "Desc"),
        "unitAmount": _zero(amount(line, "Cost")),
        "quantity": _zero(amount(line, "Quantity")),
        "discountAmount": 0.0,
        "subTotal": sub_total,
        "taxAmount": 0.0,
        "totalAmount": sub_total,
        "accountRef": None,
        "itemRef": ref(line, "ItemRef"),
        "taxRateRef": ref(line, "SalesTaxCodeRef"),
        "trackingCategoryRefs": tracking_refs(line),
        "customerRef": customer_ref(line),
    }


def purchase_lines(raw: Raw) -> list[dict[str, Any]]:
    """Expense lines, item lines, then the item lines inside item groups (flattened)."""
    lines = [expense_line(line) for line in children(raw, "ExpenseLineRet")]
    lines.extend(item_line(line) for line in children(raw, "ItemLineRet"))
    for group in children(raw, "ItemGroupLineRet"):
        lines.extend(item_line(line) for line in children(group, "ItemLineRet"))
    return lines


def linked(raw: Raw, txn_type: str) -> list[Raw]:
    return [link for link in children(raw, "LinkedTxn") if text(link, "TxnType") == txn_type]


def allocations(raw: Raw, txn_types: tuple[str, ...]) -> list[dict[str, Any]]:
    """LinkedTxn of the given types as Codat paymentAllocations.

    Amounts keep QuickBooks' sign (a payment linked to an invoice is usually negative there).
    """
    result: list[dict[str, Any]] = []
    for link in children(raw, "LinkedTxn"):
        txn_type = text(link, "TxnType")
        if txn_type not in txn_types:
            continue
        value = amount(link, "Amount")
        result.append(
            {
                "payment": {
                    "id": text(link, "TxnID"),
                    "type": txn_type,
                    "reference": text(link, "RefNumber"),
                    "paidOnDate": text(link, "TxnDate"),
                    "totalAmount": value,
                },
                "allocation": {"totalAmount": value, "allocatedOnDate": text(link, "TxnDate")},
            }
        )
    return result


def applied_lines(raw: Raw) -> list[dict[str, Any]]:
    """AppliedToTxnRet of a payment → Codat payment lines with links.

    Codat's convention: a link amount that reduces what is owed on the linked record is
    negative, so the paid invoice/bill gets ``-Amount`` and a discount taken on it a Discount link
    of ``-DiscountAmount``;
    credits applied in the same payment (the LinkedTxn inside AppliedToTxnRet) are CreditNote
    links with QuickBooks' amount.
    """
    lines: list[dict[str, Any]] = []
    for applied in children(raw, "AppliedToTxnRet"):
        paid = decimal(applied, "Amount")
        txn_type = text(applied, "TxnType") or ""
        links: list[dict[str, Any]] = [
            {
                "type": LINK_TYPES.get(txn_type, "Other"),
                "id": text(applied, "TxnID"),
                "amount": number(-paid, "Amount") if paid is not None else None,
            }
        ]
        discount = decimal(applied, "DiscountAmount")
        if discount:
            links.append(
                {"type": "Discount", "id": None, "amount": number(-discount, "DiscountAmount")}
            )
        links.extend(
            {
                "type": LINK_TYPES.get(text(credit, "TxnType") or "", "Other"),
                "id": text(credit, "TxnID"),
                "amount": amount(credit, "Amount"),
            }
            for credit in children(applied, "LinkedTxn")
        )
        lines.append(
            {
                "amount": number(paid, "Amount"),
                "allocatedOnDate": text(raw, "TxnDate"),
                "links": links,
            }
        )
    return lines
