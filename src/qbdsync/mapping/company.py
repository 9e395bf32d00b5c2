"""CompanyRet (from the Web Connector's first-call HCP response) → Codat Company info."""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import Mapped, Raw, address, text


def map_company_info(raw: Raw, *, home_currency: str | None, product: str, country: str) -> Mapped:
    addresses: list[dict[str, Any]] = [
        a
        for name, kind in (("Address", "Unknown"), ("LegalAddress", "Billing"))
        if (a := address(raw, name, kind)) is not None
    ]
    phones = [{"number": p, "type": "Primary"} for p in [text(raw, "Phone")] if p]
    return {
        "companyName": text(raw, "CompanyName"),
        "companyLegalName": text(raw, "LegalCompanyName"),
        "accountingPlatformRef": None,
        "registrationNumber": text(raw, "EIN"),
        "taxNumber": text(raw, "EIN") or text(raw, "SSN"),
        "financialYearStartDate": None,
        "firstMonthOfFiscalYear": text(raw, "FirstMonthFiscalYear"),
        "baseCurrency": home_currency,
        "addresses": addresses,
        "phoneNumbers": phones,
        "webLinks": [{"type": "Website", "url": w} for w in [text(raw, "CompanyWebSite")] if w],
        "sourceUrls": {},
        "supplementalData": {"content": {"product": product, "country": country}},
    }
