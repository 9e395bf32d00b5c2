"""What QuickBooks tells us about itself on the first sendRequestXML of a session.

QBWC passes ``strHCPResponse``: one message set holding HostQueryRs (product, versions, country,
file mode), CompanyQueryRs (company names and the DataExt entries stored under our OwnerID,
including the FileID from the .qwc) and PreferencesQueryRs. The FileID is how a session proves
that the open company file is the one the connection is linked to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.parser import Record, parse_response


@dataclass(frozen=True, slots=True)
class DataExt:
    """One custom field stored in the company file (``DataExtRet``)."""

    owner_id: str  # "0" for public fields, or an application's "{GUID}"
    name: str
    value: str


@dataclass(frozen=True)
class HostInfo:
    """The QuickBooks product, company file and preferences of this session."""

    product_name: str
    major_version: str
    minor_version: str
    country: str
    supported_versions: tuple[str, ...]
    file_mode: str
    is_automatic_login: bool
    company_name: str
    legal_company_name: str
    data_ext: tuple[DataExt, ...]
    is_multicurrency: bool | None
    home_currency: str | None
    company: dict[str, Any]

    def file_id(self, owner_id: str) -> str | None:
        """The ``FileID`` stored under ``owner_id`` (GUIDs compared without case or braces)."""
        wanted = _normalise_guid(owner_id)
        for entry in self.data_ext:
            if entry.name == "FileID" and _normalise_guid(entry.owner_id) == wanted:
                return entry.value
        return None


def _normalise_guid(text: str) -> str:
    return text.strip().strip("{}").lower()


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name, "")
    return value if isinstance(value, str) else ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _data_ext(company: dict[str, Any]) -> tuple[DataExt, ...]:
    entries = []
    for item in _as_list(company.get("DataExtRet")):
        if isinstance(item, dict):
            entries.append(
                DataExt(
                    owner_id=_text(item, "OwnerID"),
                    name=_text(item, "DataExtName"),
                    value=_text(item, "DataExtValue"),
                )
            )
    return tuple(entries)


def _multicurrency(preferences: dict[str, Any] | None) -> tuple[bool | None, str | None]:
    if preferences is None:
        return None, None
    section = preferences.get("MultiCurrencyPreferences")
    if not isinstance(section, dict):
        return None, None
    is_on = section.get("IsMultiCurrencyOn")
    home = section.get("HomeCurrencyRef")
    home_name = _text(home, "FullName") or None if isinstance(home, dict) else None
    return (is_on == "true") if isinstance(is_on, str) else None, home_name


def parse_host_info(hcp_response: str) -> HostInfo:
    """Read ``strHCPResponse``; raises InvalidXML when it has no HostRet."""
    records: dict[str, dict[str, Any]] = {}
    for event in parse_response(hcp_response):
        if isinstance(event, Record):
            records.setdefault(event.ret_name, event.data)
    host = records.get("HostRet")
    if host is None:
        raise InvalidXML("the Web Connector's host response has no HostRet")
    company = records.get("CompanyRet", {})
    is_multicurrency, home_currency = _multicurrency(records.get("PreferencesRet"))
    return HostInfo(
        product_name=_text(host, "ProductName"),
        major_version=_text(host, "MajorVersion"),
        minor_version=_text(host, "MinorVersion"),
        country=_text(host, "Country"),
        supported_versions=tuple(
            v for v in _as_list(host.get("SupportedQBXMLVersion")) if isinstance(v, str)
        ),
        file_mode=_text(host, "QBFileMode"),
        is_automatic_login=_text(host, "IsAutomaticLogin") == "true",
        company_name=_text(company, "CompanyName"),
        legal_company_name=_text(company, "LegalCompanyName"),
        data_ext=_data_ext(company),
        is_multicurrency=is_multicurrency,
        home_currency=home_currency,
        company=company,
    )
