"""Customers and suppliers: Codat's Customer → CustomerAdd/Mod, Supplier → VendorAdd/Mod.

The reverse of mapping/contacts.py: customerName/supplierName is QuickBooks' Name (a customer's
FullName is its parents' names and its own, joined by colons, so a name may not hold one: a
sub-customer is pushed with parentCustomerRef), contactName is Contact, taxNumber is a
customer's ResaleNumber and a vendor's VendorTaxIdent, registrationNumber is AccountNumber,
status Archived is IsActive false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind, supports
from qbdsync.push.fields import (
    CONTACT_NAMES,
    Issues,
    NameSpace,
    Resolver,
    Spec,
    address_fields,
    address_of,
    address_spec,
    check_currency,
    check_one_address_per_type,
    currency_spec,
    name_and_status,
    put,
    put_ref,
    ref_id,
    reference,
    status_spec,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction
from qbdsync.qbxml.writes import Field


def _check_name(issues: Issues, path: str, value: Any) -> None:
    if isinstance(value, str) and ":" in value:
        issues.add(
            path,
            "A QuickBooks name cannot contain ':' (it separates a parent's name from its "
            "children's).",
            "Characters",
        )


def _contact_specs(
    name_field: str, label: str, whose: str, qb_kind: str, bill_address: str
) -> tuple[Spec, ...]:
    """The fields a customer and a vendor share: its name, whom to contact, the address."""
    return (
        text(
            name_field,
            label,
            f"The {whose} name, unique across customers, suppliers, employees and other names",
            required=True,
            limit=(qb_kind, "Name"),
        ),
        text("contactName", "Contact name", "The person to contact", limit=(qb_kind, "Contact")),
        text("emailAddress", "Email", "Email address", limit=(qb_kind, "Email")),
        text("phone", "Phone", "Phone number", limit=(qb_kind, "Phone")),
        address_spec(bill_address),
    )


def _contact_details(
    fields: list[Field],
    payload: Mapping[str, Any],
    resolver: Resolver,
    bill_address: str,
    numbers: tuple[tuple[str, str], ...],
) -> None:
    """Appends what follows the name in both a CustomerAdd and a VendorAdd, in qbXML's order:
    the addresses, phone, email, contact, the kind's numbers (qbXML name, Codat field) in the
    order given, and the currency."""
    for codat, qb in (("Billing", bill_address), ("Delivery", "ShipAddress")):
        address = address_of(payload, codat)
        if address is not None and (parts := address_fields(address)):
            fields.append((qb, parts))
    put(fields, "Phone", payload.get("phone"))
    put(fields, "Email", payload.get("emailAddress"))
    put(fields, "Contact", payload.get("contactName"))
    for qb, codat in numbers:
        put(fields, qb, payload.get(codat))
    currency = resolver.currency(payload.get("defaultCurrency"))
    put_ref(fields, "CurrencyRef", currency)


def _contact_fields(
    payload: Mapping[str, Any], kind: str, name_field: str, resolver: Resolver
) -> list[Field]:
    fields: list[Field] = []
    name_and_status(fields, payload.get(name_field), payload.get("status"))
    return fields


class CustomerKind(BaseKind):
    data_type: ClassVar[str] = "customers"
    display: ClassVar[str] = "Customer"
    description: ClassVar[str] = "A QuickBooks customer (or, with a parent, a job)"
    qb_kind: ClassVar[str] = "Customer"
    name_field: ClassVar[str | None] = "customerName"
    name_space: ClassVar[NameSpace | None] = CONTACT_NAMES
    specs: ClassVar[tuple[Spec, ...]] = (
        *_contact_specs("customerName", "Customer name", "customer's", "Customer", "BillAddress"),
        text(
            "taxNumber",
            "Resale number",
            "The customer's resale (tax) number",
            limit=("Customer", "ResaleNumber"),
        ),
        text(
            "registrationNumber",
            "Account number",
            "Your account number for the customer",
            limit=("Customer", "AccountNumber"),
        ),
        currency_spec("defaultCurrency"),
        status_spec("Archived makes the customer inactive in QuickBooks"),
        reference(
            "parentCustomerRef",
            "Parent customer",
            "customers",
            "Makes this a job (sub-customer) of that customer",
        ),
    )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        _check_name(issues, "customerName", payload.get("customerName"))
        check_one_address_per_type(issues, payload)
        check_currency(issues, "defaultCurrency", payload.get("defaultCurrency"), profile)

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        """A job's FullName is its parent's and its own, joined by a colon: a job may share
        its name with another customer's job, not with its parent's other jobs."""
        name = super().list_name(payload, lookup)
        parent_id = ref_id(payload.get("parentCustomerRef"))
        if name is None or parent_id is None:
            return name
        parent = lookup.find("customers", parent_id)
        if parent is None:
            return None
        if parent.raw:  # synced: QuickBooks' own FullName
            parent_name = parent.raw.get("FullName")
        elif ref_id(parent.data.get("parentCustomerRef")) is None:
            parent_name = parent.data.get("customerName")  # a new top-level customer, pending
        else:
            return None  # a pending job's FullName is not known before QuickBooks makes it
        return f"{parent_name}:{name}" if isinstance(parent_name, str) and parent_name else None

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields = _contact_fields(payload, kind, "customerName", resolver)
        parent = resolver.ref("customers", payload.get("parentCustomerRef"))
        put_ref(fields, "ParentRef", parent)
        _contact_details(
            fields,
            payload,
            resolver,
            "BillAddress",
            (("ResaleNumber", "taxNumber"), ("AccountNumber", "registrationNumber")),
        )
        return tuple(fields)


class SupplierKind(BaseKind):
    data_type: ClassVar[str] = "suppliers"
    display: ClassVar[str] = "Supplier"
    description: ClassVar[str] = "A QuickBooks vendor"
    qb_kind: ClassVar[str] = "Vendor"
    name_field: ClassVar[str | None] = "supplierName"
    name_space: ClassVar[NameSpace | None] = CONTACT_NAMES
    specs: ClassVar[tuple[Spec, ...]] = (
        *_contact_specs("supplierName", "Supplier name", "vendor's", "Vendor", "VendorAddress"),
        text(
            "taxNumber",
            "Tax id",
            "The vendor's tax identification number (for 1099s)",
            limit=("Vendor", "VendorTaxIdent"),
        ),
        text(
            "registrationNumber",
            "Account number",
            "Your account number with the vendor",
            limit=("Vendor", "AccountNumber"),
        ),
        currency_spec("defaultCurrency"),
        status_spec("Archived makes the vendor inactive in QuickBooks"),
    )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        _check_name(issues, "supplierName", payload.get("supplierName"))
        check_one_address_per_type(issues, payload)
        delivery = address_of(payload, "Delivery")
        if delivery is not None and not supports(profile, "VendorAdd", "ShipAddress"):
            issues.add(
                "addresses",
                "This QuickBooks version keeps no ship-to address for vendors (qbXML 11.0).",
                "NotSupported",
            )
        check_currency(issues, "defaultCurrency", payload.get("defaultCurrency"), profile)

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields = _contact_fields(payload, kind, "supplierName", resolver)
        _contact_details(
            fields,
            payload,
            resolver,
            "VendorAddress",
            (("AccountNumber", "registrationNumber"), ("VendorTaxIdent", "taxNumber")),
        )
        return tuple(fields)
