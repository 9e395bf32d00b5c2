"""Bills, bill credit notes, bill payments and purchase orders: Codat's purchase documents →
BillAdd, VendorCreditAdd, BillPaymentCheckAdd / BillPaymentCreditCardAdd, PurchaseOrderAdd.

The reverse of mapping/purchases.py. A bill's reference is the vendor's invoice number
(RefNumber, 20 characters); its lines are expense lines (an account) or item lines (an item),
never both on one line, with the tax codes (CA/UK) and classes of push/lines.py. A bill payment
from a Bank account is a BillPaymentCheck, from a CreditCard account a BillPaymentCreditCard
(QuickBooks cannot change the latter: no Mod); it may apply bill credit notes to the bills it
pays (links of type CreditNote, see push/payments.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    check_currency,
    currency_rate_spec,
    currency_spec,
    date_text,
    day,
    money,
    put,
    put_ref,
    reference,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Reference, Referenced
from qbdsync.push.lines import (
    account_kind,
    check_bank_or_card,
    check_lines,
    payload_lines,
    purchase_lines,
    purchase_lines_spec,
    sales_lines,
    sales_lines_spec,
)
from qbdsync.push.payments import PaymentBase, PaymentRules, payment_lines_spec
from qbdsync.push.sales import exchange_fields
from qbdsync.push.taxes import tax_included
from qbdsync.push.tracking import shared_class_ref, tracking_references
from qbdsync.qbxml.writes import Field


def _supplier(
    fields: list[Field], payload: Mapping[str, Any], resolver: Resolver, name: str
) -> None:
    supplier = resolver.ref("suppliers", payload.get("supplierRef"))
    assert supplier is not None
    fields.append((name, supplier))


def _date(fields: list[Field], payload: Mapping[str, Any], codat: str, qb: str) -> None:
    if payload.get(codat):
        fields.append((qb, date_text(payload[codat])))


class _PurchaseDocument(BaseKind):
    number: ClassVar[str]
    # Codat names a bill's tax taxAmount and a bill credit note's totalTaxAmount.
    tax_total: ClassVar[str]

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return tracking_references(payload, "lineItems")

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_lines(
            issues,
            payload,
            profile,
            lookup,
            purchase=True,
            side="purchase",
            tax_total=self.tax_total,
        )
        check_currency(issues, "currency", payload.get("currency"), profile)

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        _supplier(fields, payload, resolver, "VendorRef")
        _date(fields, payload, "issueDate", "TxnDate")
        if kind == "Bill":
            _date(fields, payload, "dueDate", "DueDate")
        put(fields, "RefNumber", payload.get(self.number))
        put(fields, "Memo", payload.get("note"))
        tax_included(fields, kind, profile)
        exchange_fields(fields, payload, resolver)
        fields.extend(purchase_lines(payload, profile, resolver))
        return tuple(fields)


def _purchase_specs(
    qb_kind: str, number: str, number_label: str, *, due: bool, tax_total: str
) -> tuple[Spec, ...]:
    specs = [
        reference("supplierRef", "Supplier", "suppliers", "The vendor", required=True),
        text(number, number_label, "The vendor's reference", limit=(qb_kind, "RefNumber")),
        day("issueDate", "Issue date", "The transaction date", required=True),
    ]
    if due:
        specs.append(day("dueDate", "Due date", "When payment is due"))
    specs.extend(
        (
            currency_spec(),
            currency_rate_spec(),
            text("note", "Note", "Memo", limit=(qb_kind, "Memo")),
            purchase_lines_spec(),
            money("subTotal", "Sub total", "Sum of the lines"),
            money(tax_total, "Tax", "Total tax (CA/UK: what QuickBooks computes from the codes)"),
            money("totalAmount", "Total", "Sub total plus tax"),
        )
    )
    return tuple(specs)


class BillKind(_PurchaseDocument):
    data_type: ClassVar[str] = "bills"
    display: ClassVar[str] = "Bill"
    description: ClassVar[str] = "A QuickBooks bill from a vendor"
    qb_kind: ClassVar[str] = "Bill"
    number: ClassVar[str] = "reference"
    tax_total: ClassVar[str] = "taxAmount"
    specs: ClassVar[tuple[Spec, ...]] = _purchase_specs(
        "Bill", "reference", "Reference", due=True, tax_total="taxAmount"
    )


class BillCreditNoteKind(_PurchaseDocument):
    data_type: ClassVar[str] = "billCreditNotes"
    display: ClassVar[str] = "Bill credit note"
    description: ClassVar[str] = "A QuickBooks vendor credit"
    qb_kind: ClassVar[str] = "VendorCredit"
    number: ClassVar[str] = "billCreditNoteNumber"
    tax_total: ClassVar[str] = "totalTaxAmount"
    specs: ClassVar[tuple[Spec, ...]] = _purchase_specs(
        "VendorCredit",
        "billCreditNoteNumber",
        "Credit note number",
        due=False,
        tax_total="totalTaxAmount",
    )


_BILL_LINKS = (
    ("Bill", "A bill the line pays"),
    ("CreditNote", "A bill credit note the line applies to its bill"),
)


class BillPaymentKind(PaymentBase):
    rules: ClassVar[PaymentRules] = PaymentRules(
        paid_link="Bill",
        paid_type="bills",
        credit_type="billCreditNotes",
        contact="supplierRef",
        require_link=True,
    )
    data_type: ClassVar[str] = "billPayments"
    display: ClassVar[str] = "Bill payment"
    description: ClassVar[str] = (
        "A payment of bills: by check from a bank account, or from a credit card account"
    )
    qb_kind: ClassVar[str] = "BillPaymentCheck"
    specs: ClassVar[tuple[Spec, ...]] = (
        reference("supplierRef", "Supplier", "suppliers", "The vendor paid", required=True),
        reference(
            "accountRef",
            "Paid from",
            "accounts",
            "A Bank account (a check) or a CreditCard account",
            required=True,
        ),
        money("totalAmount", "Total amount", "The amount paid", required=True),
        currency_spec(),
        currency_rate_spec(),
        day("date", "Date", "When the bills were paid", required=True),
        text("reference", "Reference", "Check number", limit=("BillPaymentCheck", "RefNumber")),
        text("note", "Note", "Memo", limit=("BillPaymentCheck", "Memo")),
        payment_lines_spec("bills", _BILL_LINKS),
    )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        super().check_more(issues, action, payload, profile, lookup)
        check_bank_or_card(issues, lookup, payload.get("accountRef"), "accountRef.id", "Bills are")

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        kind = account_kind(resolver.lookup, payload.get("accountRef"))
        return "BillPaymentCreditCard" if kind == "CreditCard" else "BillPaymentCheck"

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        account = resolver.ref("accounts", payload.get("accountRef"))
        assert account is not None
        card = kind == "BillPaymentCreditCard"
        _supplier(fields, payload, resolver, "PayeeEntityRef")
        fields.append(("TxnDate", date_text(payload["date"])))
        fields.append(("CreditCardAccountRef" if card else "BankAccountRef", account))
        if payload.get("reference"):
            fields.append(("RefNumber", payload["reference"]))
        elif not card:
            fields.append(("IsToBePrinted", "false"))
        put(fields, "Memo", payload.get("note"))
        exchange_fields(fields, payload, resolver)
        fields.extend(self.applied(payload, resolver))
        return tuple(fields)

    def to_mod(self, kind: str, fields: Sequence[Field], target: Referenced) -> tuple[Field, ...]:
        if kind != "BillPaymentCheck":
            raise ValueError(f"QuickBooks cannot modify a {kind}")
        return super().to_mod(kind, fields, target)


class PurchaseOrderKind(BaseKind):
    data_type: ClassVar[str] = "purchaseOrders"
    display: ClassVar[str] = "Purchase order"
    description: ClassVar[str] = "A QuickBooks purchase order"
    qb_kind: ClassVar[str] = "PurchaseOrder"
    specs: ClassVar[tuple[Spec, ...]] = (
        reference("supplierRef", "Supplier", "suppliers", "The vendor", required=True),
        text(
            "purchaseOrderNumber",
            "Purchase order number",
            "QuickBooks' reference number",
            limit=("PurchaseOrder", "RefNumber"),
        ),
        day("issueDate", "Issue date", "The order date", required=True),
        day("expectedDeliveryDate", "Expected delivery", "When the goods are expected"),
        day("paymentDueDate", "Payment due", "When payment is due"),
        currency_spec(),
        currency_rate_spec(),
        text("note", "Note", "Memo", limit=("PurchaseOrder", "Memo")),
        sales_lines_spec("PurchaseOrderLine", shape="refs", side="purchase"),
        money("subTotal", "Sub total", "Sum of the lines"),
        money("taxAmount", "Tax", "Total tax (CA/UK: what QuickBooks computes from the codes)"),
        money("totalAmount", "Total", "Sub total plus tax"),
    )

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return tracking_references(payload, "lineItems")

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_lines(
            issues,
            payload,
            profile,
            lookup,
            purchase=False,
            side="purchase",
            tax_total="taxAmount",
        )
        check_currency(issues, "currency", payload.get("currency"), profile)

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        _supplier(fields, payload, resolver, "VendorRef")
        put_ref(fields, "ClassRef", shared_class_ref(resolver, payload_lines(payload)))
        _date(fields, payload, "issueDate", "TxnDate")
        put(fields, "RefNumber", payload.get("purchaseOrderNumber"))
        _date(fields, payload, "paymentDueDate", "DueDate")
        _date(fields, payload, "expectedDeliveryDate", "ExpectedDate")
        put(fields, "Memo", payload.get("note"))
        tax_included(fields, kind, profile)
        exchange_fields(fields, payload, resolver)
        fields.extend(sales_lines(payload, "PurchaseOrderLineAdd", profile, resolver))
        return tuple(fields)
