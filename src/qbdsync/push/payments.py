"""What a payment settles, read from Codat's payment lines: the money and credits for each
invoice (a customer payment) or bill (a bill payment).

Codat's convention (its Payment and BillPayment docs): each line moves ``amount`` of money and
links what it settles; a link's amount is how much the linked record's balance changes, so the
paid invoice or bill is negative (−money −credits) and a credit note used is positive (the
credit taken). The line amount and its links sum to zero. A credit note paying an invoice alone
is a line of amount 0::

    {"amount": 0, "links": [{"type": "Invoice", "id": "I", "amount": -100},
                            {"type": "CreditNote", "id": "C", "amount": 100}]}

QuickBooks settles per invoice or bill: one AppliedToTxnAdd with the money (PaymentAmount) and
a SetCredit per credit used (a credit memo for an invoice, a vendor credit for a bill). So each
line here pays at most one record, and a credit note is always applied to the record of its
line; lines paying the same record are added together. A line without links is money not
applied (a customer's credit; QuickBooks keeps it as the payment's unused amount).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Final

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    amount_text,
    array,
    check_currency,
    decimal_value,
    label,
    money,
    ref_id,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Reference
from qbdsync.qbxml.writes import Field

CREDIT_NOTE: Final = "CreditNote"


@dataclass(frozen=True, slots=True)
class Credit:
    """A credit note a line applies to the record it pays."""

    path: str  # item path of the link
    record_id: str
    amount: Decimal | None  # the link amount: the credit used (positive)


@dataclass(frozen=True, slots=True)
class Settled:
    """One payment line that settles a record: its money, the credits it applies."""

    path: str  # item path of the paid record's link
    line: int
    record_id: str
    cash: Decimal
    link_amount: Decimal | None  # as given: −(money + credits)
    credits: tuple[Credit, ...]

    @property
    def credit_total(self) -> Decimal:
        return sum((c.amount or Decimal(0) for c in self.credits), Decimal(0))


def payment_lines_spec(link_label: str, link_types: Sequence[tuple[str, str]]) -> Spec:
    return array(
        "lines",
        "Lines",
        f"What the payment pays: each line's links name the {link_label} it settles and the "
        "credit notes it applies to them",
        money(
            "amount",
            "Amount",
            "The money this line moves (0 when credit alone pays)",
            required=True,
        ),
        array(
            "links",
            "Links",
            f"The {link_label} paid (negative amount) and credit notes used (positive amount)",
            text(
                "type",
                "Type",
                "What is linked",
                required=True,
                choices=lambda _: link_types,
                strict=True,
            ),
            text("id", "Id", "The id of the record linked", required=True),
            money(
                "amount",
                "Amount",
                "How much the linked record's balance changes: negative for what is paid, "
                "positive for the credit used",
            ),
        ),
    )


def _links(line: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    links = line.get("links")
    if not isinstance(links, list):
        return []
    return [(at, link) for at, link in enumerate(links) if isinstance(link, Mapping)]


def _lines(payload: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    lines = payload.get("lines")
    if not isinstance(lines, list):
        return []
    return [(index, line) for index, line in enumerate(lines) if isinstance(line, Mapping)]


def settled(payload: Mapping[str, Any], paid_link: str) -> list[Settled]:
    """The lines that pay a record of type ``paid_link``, first such link of each line."""
    found: list[Settled] = []
    for index, line in _lines(payload):
        paid: tuple[int, Mapping[str, Any]] | None = None
        credits: list[Credit] = []
        for at, link in _links(line):
            record_id = ref_id(link)
            if record_id is None:
                continue
            path = f"lines[{index}].links[{at}]"
            if link.get("type") == paid_link and paid is None:
                paid = (at, link)
            elif link.get("type") == CREDIT_NOTE:
                credits.append(Credit(path, record_id, decimal_value(link.get("amount"))))
        if paid is None:
            continue
        at, link = paid
        found.append(
            Settled(
                path=f"lines[{index}].links[{at}]",
                line=index,
                record_id=str(link["id"]),
                cash=decimal_value(line.get("amount")) or Decimal(0),
                link_amount=decimal_value(link.get("amount")),
                credits=tuple(credits),
            )
        )
    return found


def references(
    payload: Mapping[str, Any], paid_link: str, paid_type: str, credit_type: str
) -> list[Reference]:
    """Every record the lines link: the records paid and the credit notes applied."""
    found: list[Reference] = []
    for index, line in _lines(payload):
        for at, link in _links(line):
            record_id = ref_id(link)
            kind = link.get("type")
            if record_id is None or kind not in (paid_link, CREDIT_NOTE):
                continue
            data_type = paid_type if kind == paid_link else credit_type
            found.append(Reference(f"lines[{index}].links[{at}].id", data_type, record_id))
    return found


@dataclass(frozen=True, slots=True)
class PaymentRules:
    """What a kind of payment pays: its link types, data types, and the contact they share."""

    paid_link: str  # "Invoice" / "Bill"
    paid_type: str  # "invoices" / "bills"
    credit_type: str  # "creditNotes" / "billCreditNotes"
    contact: str  # "customerRef" / "supplierRef"
    require_link: bool  # a payment that pays nothing is refused


def _check_line_shape(issues: Issues, payload: Mapping[str, Any], rules: PaymentRules) -> None:
    for index, line in _lines(payload):
        links = _links(line)
        paid = [link for _, link in links if link.get("type") == rules.paid_link]
        credits = [(at, link) for at, link in links if link.get("type") == CREDIT_NOTE]
        cash = decimal_value(line.get("amount"))
        if len(paid) > 1:
            issues.add(
                f"lines[{index}].links",
                f"Each line pays one {rules.paid_link.lower()}; give one line per"
                f" {rules.paid_link.lower()} (with the credit notes it uses).",
                "OneLink",
            )
        if credits and not paid:
            issues.add(
                f"lines[{index}].links",
                f"QuickBooks applies a credit note to a {rules.paid_link.lower()}: name the"
                f" {rules.paid_link.lower()} it pays in the same line.",
                "Required",
            )
        for at, link in credits:
            amount = decimal_value(link.get("amount"))
            if amount is None or amount <= 0:
                issues.add(
                    f"lines[{index}].links[{at}].amount",
                    "A credit note link's amount is the credit used: more than zero.",
                    "Range",
                )
        if cash is not None and cash < 0:
            issues.add(
                f"lines[{index}].amount",
                "Refunds cannot be written as payments: a line's amount is 0 or more.",
                "Range",
            )
        if paid and cash == 0 and not credits:
            issues.add(
                f"lines[{index}].amount",
                "A payment line pays more than zero (or applies a credit note).",
                "Range",
            )


def _owner(found_data: Mapping[str, Any], contact: str) -> str | None:
    return ref_id(found_data.get(contact))


def check_payment_lines(
    issues: Issues, payload: Mapping[str, Any], lookup: Lookup, rules: PaymentRules
) -> None:
    """Lines add up to the total; each line pays one open record of the payment's contact, with
    no more than is due, and credits no more than each credit note has left."""
    total = decimal_value(payload.get("totalAmount"))
    lines = [line for _, line in _lines(payload)]
    summed = sum((decimal_value(line.get("amount")) or Decimal(0) for line in lines), Decimal(0))
    if lines and total is not None and summed != total:
        issues.add("lines", f"The lines add up to {summed}, not {total}.", "AmountsAddUp")
    _check_line_shape(issues, payload, rules)
    paying = settled(payload, rules.paid_link)
    uses_credit = any(s.credits for s in paying)
    if total is not None and (total < 0 or (total == 0 and not uses_credit)):
        issues.add("totalAmount", "Must be more than zero (or apply a credit note).", "Range")
    if rules.require_link and not paying:
        issues.add(
            "lines", f"A payment must pay at least one {rules.paid_link.lower()}.", "Required"
        )
    contact = ref_id(payload.get(rules.contact))
    due: dict[str, Decimal] = {}
    credit_left: dict[str, Decimal] = {}
    for item in paying:
        expected = -(item.cash + item.credit_total)
        if item.link_amount is not None and item.link_amount != expected:
            issues.add(
                f"{item.path}.amount",
                f"The {rules.paid_link.lower()} link takes the line's money and credits off its"
                f" balance: {expected}, not {item.link_amount}.",
                "AmountsAddUp",
            )
        found = lookup.find(rules.paid_type, item.record_id)
        if found is not None:
            owner = _owner(found.data, rules.contact)
            if contact and owner and owner != contact:
                issues.add(
                    f"{item.path}.id",
                    f"{label(rules.paid_type).capitalize()} {item.record_id} belongs to another"
                    f" {rules.contact.removesuffix('Ref')}.",
                    "SameContact",
                )
            left = due.setdefault(
                item.record_id, decimal_value(found.data.get("amountDue")) or Decimal(0)
            )
            taken = item.cash + item.credit_total
            if decimal_value(found.data.get("amountDue")) is not None and taken > left:
                issues.add(
                    f"{item.path}.id",
                    f"Pays {taken}, but only {left} is due on {item.record_id}.",
                    "AmountDue",
                )
            due[item.record_id] = left - taken
        for credit in item.credits:
            note = lookup.find(rules.credit_type, credit.record_id)
            if note is None:
                continue  # reported by the reference check
            owner = _owner(note.data, rules.contact)
            if contact and owner and owner != contact:
                issues.add(
                    f"{credit.path}.id",
                    f"Credit note {credit.record_id} belongs to another"
                    f" {rules.contact.removesuffix('Ref')}.",
                    "SameContact",
                )
            remaining = decimal_value(note.data.get("remainingCredit"))
            if remaining is None or credit.amount is None or credit.amount <= 0:
                continue  # an amount that is no credit is reported by the line check
            left = credit_left.setdefault(credit.record_id, remaining)
            if credit.amount > left:
                issues.add(
                    f"{credit.path}.amount",
                    f"Uses {credit.amount} of credit note {credit.record_id}, which has {left}"
                    " left.",
                    "CreditRemaining",
                )
            credit_left[credit.record_id] = left - credit.amount


def applied(payload: Mapping[str, Any], rules: PaymentRules, resolver: Resolver) -> list[Field]:
    """One AppliedToTxnAdd per record paid: the money of its lines, a SetCredit per credit."""
    money_of: dict[str, Decimal] = {}
    credits_of: dict[str, dict[str, Decimal]] = {}
    for item in settled(payload, rules.paid_link):
        paid = _txn_id(resolver, rules.paid_type, item.record_id)
        money_of[paid] = money_of.get(paid, Decimal(0)) + item.cash
        used = credits_of.setdefault(paid, {})
        for credit in item.credits:
            credit_id = _txn_id(resolver, rules.credit_type, credit.record_id)
            used[credit_id] = used.get(credit_id, Decimal(0)) + (credit.amount or Decimal(0))
    fields: list[Field] = []
    for paid, cash in money_of.items():
        parts: list[Field] = [("TxnID", paid), ("PaymentAmount", amount_text(cash))]
        parts.extend(
            ("SetCredit", (("CreditTxnID", credit_id), ("AppliedAmount", amount_text(amount))))
            for credit_id, amount in credits_of[paid].items()
        )
        fields.append(("AppliedToTxnAdd", tuple(parts)))
    return fields


def _txn_id(resolver: Resolver, data_type: str, record_id: str) -> str:
    """The QuickBooks TxnID of a linked record (a provisional id resolves once it exists)."""
    found = resolver.lookup.find(data_type, record_id)
    return found.record_id if found is not None else record_id


class PaymentBase(BaseKind):
    """A payment that settles records of one type through its lines' links, with credits: a
    customer's payment of invoices, a payment of bills."""

    rules: ClassVar[PaymentRules]

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        rules = self.rules
        return references(payload, rules.paid_link, rules.paid_type, rules.credit_type)

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_payment_lines(issues, payload, lookup, self.rules)
        check_currency(issues, "currency", payload.get("currency"), profile)

    def applied(self, payload: Mapping[str, Any], resolver: Resolver) -> list[Field]:
        return applied(payload, self.rules, resolver)
