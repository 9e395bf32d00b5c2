"""CustomerRet → Codat Customer and VendorRet → Codat Supplier (one family: QuickBooks names)."""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    address,
    currency,
    flag,
    metadata,
    ref,
    required,
    source_modified,
    status,
    text,
)


def _contact_name(raw: Raw) -> str | None:
    contact = text(raw, "Contact")
    if contact:
        return contact
    parts = [text(raw, "FirstName"), text(raw, "LastName")]
    joined = " ".join(p for p in parts if p)
    return joined or None


def _addresses(raw: Raw, pairs: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    return [a for name, kind in pairs if (a := address(raw, name, kind)) is not None]


def map_customer(raw: Raw, ctx: MappingContext) -> Mapped:
    parent = ref(raw, "ParentRef")
    return {
        "id": raw["ListID"],
        "customerName": text(raw, "FullName") or text(raw, "Name"),
        "contactName": _contact_name(raw),
        "emailAddress": text(raw, "Email"),
        "phone": text(raw, "Phone"),
        "addresses": _addresses(raw, (("BillAddress", "Billing"), ("ShipAddress", "Delivery"))),
        "taxNumber": text(raw, "ResaleNumber") or text(raw, "TaxRegistrationNumber"),
        "registrationNumber": text(raw, "AccountNumber"),
        "defaultCurrency": currency(raw, ctx),
        "status": "Active" if flag(raw, "IsActive") is not False else "Archived",
        "parentCustomerRef": parent,
        "contacts": [],
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }


def map_supplier(raw: Raw, ctx: MappingContext) -> Mapped:
    return {
        "id": raw["ListID"],
        "supplierName": text(raw, "Name"),
        "contactName": _contact_name(raw),
        "emailAddress": text(raw, "Email"),
        "phone": text(raw, "Phone"),
        "addresses": _addresses(raw, (("VendorAddress", "Billing"), ("ShipAddress", "Delivery"))),
        "registrationNumber": text(raw, "AccountNumber"),
        "taxNumber": text(raw, "VendorTaxIdent"),
        "defaultCurrency": currency(raw, ctx),
        "status": "Active" if flag(raw, "IsActive") is not False else "Archived",
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }


def map_employee(raw: Raw, ctx: MappingContext) -> Mapped:
    """EmployeeRet, raw-ish: Codat's accounting API has no employees type. Payroll details
    (EmployeePayrollInfo, SSN, birth date) are deliberately not copied into the served shape."""
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "firstName": text(raw, "FirstName"),
        "middleName": text(raw, "MiddleName"),
        "lastName": text(raw, "LastName"),
        "jobTitle": text(raw, "JobTitle"),
        "status": status(raw),
        "emailAddress": text(raw, "Email"),
        "phone": text(raw, "Phone"),
        "mobile": text(raw, "Mobile"),
        "addresses": _addresses(raw, (("EmployeeAddress", "Unknown"),)),
        "employeeType": text(raw, "EmployeeType"),
        "hiredDate": text(raw, "HiredDate"),
        "releasedDate": text(raw, "ReleasedDate"),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }
