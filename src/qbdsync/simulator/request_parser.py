"""Reading a qbXML request message set the way QuickBooks does: strictly.

QuickBooks validates a request against its schema before running anything: a document that is
not well-formed, an unknown request, an element out of order, an unknown element or two members
of one choice make it reject the whole message set (hresult 0x80040400); an unsupported
``<?qbxml version?>`` gives 0x80040423. Element order comes from ``qbxml.schema`` — the same
tables the request builders use. DOCTYPEs and entity declarations are refused as hostile input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from lxml import etree

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.schema import (
    NESTED_FILTER_ORDER,
    QUERY_ID_FILTER_TAIL,
    QUERY_REQUEST_ORDER,
    REPEATABLE_REQUEST_ELEMENTS,
    Slot,
)
from qbdsync.simulator.write_parser import (
    BodyRejected,
    Node,
    is_write_request,
    parse_write_body,
    version_numbers,
)

PARSE_ERROR: Final[str] = "0x80040400"
VERSION_ERROR: Final[str] = "0x80040423"

_VERSION = re.compile(r'version\s*=\s*"([^"]*)"')
_ON_ERROR_VALUES: Final[frozenset[str]] = frozenset(
    {"stopOnError", "continueOnError", "rollbackOnError"}
)
_REQUEST_ATTRIBUTES: Final[frozenset[str]] = frozenset(
    {"requestID", "iterator", "iteratorID", "metaData"}
)
# Enumerations QuickBooks checks while validating (an unknown value fails the whole request).
_ENUMS: Final[dict[str, frozenset[str]]] = {
    "ActiveStatus": frozenset({"ActiveOnly", "InactiveOnly", "All"}),
    "PaidStatus": frozenset({"All", "PaidOnly", "NotPaidOnly"}),
    "MatchCriterion": frozenset({"StartsWith", "Contains", "EndsWith"}),
    "IncludeLineItems": frozenset({"true", "false", "1", "0"}),
    "IncludeLinkedTxns": frozenset({"true", "false", "1", "0"}),
    "RefNumberCaseSensitive": frozenset(),  # any text
    "ListDelType": frozenset(
        {
            "Account",
            "BillingRate",
            "Class",
            "Currency",
            "Customer",
            "CustomerMsg",
            "CustomerType",
            "DateDrivenTerms",
            "Employee",
            "InventorySite",
            "ItemDiscount",
            "ItemFixedAsset",
            "ItemGroup",
            "ItemInventory",
            "ItemInventoryAssembly",
            "ItemNonInventory",
            "ItemOtherCharge",
            "ItemPayment",
            "ItemSalesTax",
            "ItemSalesTaxGroup",
            "ItemService",
            "ItemSubtotal",
            "JobType",
            "OtherName",
            "PaymentMethod",
            "PayrollItemNonWage",
            "PayrollItemWage",
            "PriceLevel",
            "SalesRep",
            "SalesTaxCode",
            "ShipMethod",
            "StandardTerms",
            "ToDo",
            "UnitOfMeasureSet",
            "Vehicle",
            "Vendor",
            "VendorType",
            "WorkersCompCode",
        }
    ),
    "TxnDelType": frozenset(
        {
            "ARRefundCreditCard",
            "Bill",
            "BillPaymentCheck",
            "BillPaymentCreditCard",
            "BuildAssembly",
            "Charge",
            "Check",
            "CreditCardCharge",
            "CreditCardCredit",
            "CreditMemo",
            "Deposit",
            "Estimate",
            "InventoryAdjustment",
            "Invoice",
            "ItemReceipt",
            "JournalEntry",
            "PayrollLiabilityAdjustment",
            "PayrollPriorPayment",
            "PayrollYearToDateAdjustment",
            "PurchaseOrder",
            "ReceivePayment",
            "SalesOrder",
            "SalesReceipt",
            "SalesTaxPaymentCheck",
            "TimeTracking",
            "VehicleMileage",
            "VendorCredit",
        }
    ),
}
_REQUIRED: Final[dict[str, str]] = {
    "ListDeletedQueryRq": "ListDelType",
    "TxnDeletedQueryRq": "TxnDelType",
}


class RequestRejected(Exception):
    """The whole message set is refused with an hresult (the caller turns it into a COM error)."""

    def __init__(self, hresult: str, message: str) -> None:
        super().__init__(f"{hresult}: {message}")
        self.hresult = hresult
        self.message = message


@dataclass
class QueryRequest:
    """One request of a message set: its name, attributes and (validated) children."""

    name: str
    request_id: str | None
    iterator: str | None
    iterator_id: str | None
    values: dict[str, list[str]] = field(default_factory=dict)
    filters: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    body: list[Node] | None = None  # the checked children of an Add/Mod/Del request

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def flag(self, name: str) -> bool:
        return self.first(name) in ("true", "1")


@dataclass
class MessageSet:
    version: str
    on_error: str
    requests: list[QueryRequest]
    new_message_set_id: str | None = None
    old_message_set_id: str | None = None


_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def parse_message_set(text: str, supported_versions: list[str]) -> MessageSet:
    """Parse and validate a request document, or raise :class:`RequestRejected`."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise InvalidXML("qbXML requests must not contain DOCTYPE or entity declarations")
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise RequestRejected(PARSE_ERROR, f"The request is not well-formed XML: {error}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise InvalidXML("qbXML requests must not contain a DOCTYPE")
    version = _version_of(root)
    if version not in supported_versions:
        raise RequestRejected(VERSION_ERROR, f'The qbXML version "{version}" is not supported.')
    if root.tag != "QBXML" or len(root) != 1 or root[0].tag != "QBXMLMsgsRq":
        raise RequestRejected(PARSE_ERROR, "The document must be QBXML/QBXMLMsgsRq.")
    message_set = root[0]
    on_error = message_set.get("onError")
    if on_error not in _ON_ERROR_VALUES:
        raise RequestRejected(PARSE_ERROR, f"Invalid onError attribute {on_error!r}.")
    unknown = set(message_set.attrib) - {"onError", "newMessageSetID", "oldMessageSetID"}
    if unknown:
        raise RequestRejected(PARSE_ERROR, f"Unknown attribute(s) {sorted(unknown)} on a set.")
    requests = [_parse_request(element, version) for element in message_set]
    return MessageSet(
        version=version,
        on_error=on_error,
        requests=requests,
        new_message_set_id=message_set.get("newMessageSetID"),
        old_message_set_id=message_set.get("oldMessageSetID"),
    )


def _version_of(root: etree._Element) -> str:
    sibling = root.getprevious()
    while sibling is not None:
        if isinstance(sibling, etree._ProcessingInstruction) and sibling.target == "qbxml":
            match = _VERSION.search(sibling.text or "")
            if match:
                return match.group(1)
        sibling = sibling.getprevious()
    raise RequestRejected(PARSE_ERROR, "The request has no <?qbxml version?> instruction.")


def _parse_request(element: etree._Element, version: str) -> QueryRequest:
    name = element.tag
    if isinstance(name, str) and is_write_request(name):
        return _parse_write(name, element, version)
    if not isinstance(name, str) or name not in QUERY_REQUEST_ORDER:
        raise RequestRejected(PARSE_ERROR, f"Unknown request <{name}>.")
    unknown = set(element.attrib) - _REQUEST_ATTRIBUTES
    if unknown:
        raise RequestRejected(PARSE_ERROR, f"Unknown attribute(s) {sorted(unknown)} on {name}.")
    iterator = element.get("iterator")
    if iterator not in (None, "Start", "Continue", "Stop"):
        raise RequestRejected(PARSE_ERROR, f"Invalid iterator value {iterator!r}.")
    if iterator in ("Continue", "Stop") and not element.get("iteratorID"):
        raise RequestRejected(PARSE_ERROR, f"{name} iterator={iterator} needs an iteratorID.")
    children = [child for child in element if isinstance(child.tag, str)]
    _check_sequence(name, [child.tag for child in children], QUERY_REQUEST_ORDER[name])
    _check_id_filter_alone(name, [child.tag for child in children])
    request = QueryRequest(
        name=name,
        request_id=element.get("requestID"),
        iterator=iterator,
        iterator_id=element.get("iteratorID"),
    )
    for child in children:
        tag = child.tag
        if tag in NESTED_FILTER_ORDER:
            request.filters[tag] = _parse_filter(child)
        else:
            request.values.setdefault(tag, []).append(_simple_text(child))
    required = _REQUIRED.get(name)
    if required and required not in request.values:
        raise RequestRejected(PARSE_ERROR, f"{name} requires at least one <{required}>.")
    return request


def _parse_write(name: str, element: etree._Element, version: str) -> QueryRequest:
    if set(element.attrib) - {"requestID"}:
        raise RequestRejected(PARSE_ERROR, f"Unknown attribute(s) on {name}.")
    try:
        body = parse_write_body(element, version_numbers(version))
    except BodyRejected as error:
        raise RequestRejected(PARSE_ERROR, str(error)) from None
    return QueryRequest(name, element.get("requestID"), None, None, body=body)


def _parse_filter(element: etree._Element) -> dict[str, list[str]]:
    children = [child for child in element if isinstance(child.tag, str)]
    _check_sequence(element.tag, [c.tag for c in children], NESTED_FILTER_ORDER[element.tag])
    if not children:
        raise RequestRejected(PARSE_ERROR, f"<{element.tag}> must not be empty.")
    values: dict[str, list[str]] = {}
    for child in children:
        values.setdefault(child.tag, []).append(_simple_text(child))
    return values


def _simple_text(element: etree._Element) -> str:
    if len(element):
        raise RequestRejected(PARSE_ERROR, f"<{element.tag}> must hold text, not elements.")
    text = element.text or ""
    allowed = _ENUMS.get(element.tag)
    if allowed and text not in allowed:
        raise RequestRejected(PARSE_ERROR, f'Invalid value "{text}" for <{element.tag}>.')
    return text


def _slot_index(slots: tuple[Slot, ...], tag: str) -> int:
    for index, slot in enumerate(slots):
        if tag == slot or (isinstance(slot, tuple) and tag in slot):
            return index
    return -1


def _check_sequence(parent: str, tags: list[str], slots: tuple[Slot, ...]) -> None:
    """Children must follow the slot order; only repeatable ones repeat; one per choice."""
    last_index = -1
    last_tag = ""
    for tag in tags:
        index = _slot_index(slots, tag)
        if index < 0:
            raise RequestRejected(PARSE_ERROR, f"<{tag}> is not allowed in <{parent}>.")
        if index < last_index:
            raise RequestRejected(PARSE_ERROR, f"<{tag}> is out of order in <{parent}>.")
        if index == last_index and (tag != last_tag or tag not in REPEATABLE_REQUEST_ELEMENTS):
            raise RequestRejected(PARSE_ERROR, f"<{tag}> cannot follow <{last_tag}> in <{parent}>.")
        last_index, last_tag = index, tag


def _check_id_filter_alone(name: str, tags: list[str]) -> None:
    tail_start = QUERY_ID_FILTER_TAIL.get(name)
    if tail_start is None or not tags:
        return
    slots = QUERY_REQUEST_ORDER[name]
    if _slot_index(slots, tags[0]) != 0:
        return
    tail_index = _slot_index(slots, tail_start)
    for tag in tags:
        index = _slot_index(slots, tag)
        if 0 < index < tail_index:
            raise RequestRejected(
                PARSE_ERROR, f"<{tag}> cannot be combined with <{tags[0]}> in <{name}>."
            )
