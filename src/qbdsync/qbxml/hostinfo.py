"""What QuickBooks tells us about itself on the first sendRequestXML of a session.

QBWC passes ``strHCPResponse``: one message set holding HostQueryRs (product, versions, country,
file mode), CompanyQueryRs (company names and the DataExt entries stored under our OwnerID,
including the FileID from the .qwc) and PreferencesQueryRs. The FileID is how a session proves
that the open company file is the one the connection is linked to.

Some clients send no ``strHCPResponse``; qbdsync then asks the same three queries itself as the
session's first request (``host_query_request``) and reads the answer with
``read_host_query_answer``, which yields the same HostInfo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.parser import Event, Record, ResponseParser, ResponseStatus, parse_response
from qbdsync.qbxml.requests import QueryRequest, build_message_set
from qbdsync.qbxml.status import Recovery
from qbdsync.qbxml.versions import QbxmlVersion
from qbdsync.untrusted import quote_untrusted

# The host query's answer is a few KB; more than this is not QuickBooks answering it.
MAX_HOST_ANSWER_CHARS: Final = 4 * 1024 * 1024
# qbXML 2.0 brought DataExt, so from 2.0 on CompanyQuery takes an OwnerID and returns our FileID;
# HostQuery and PreferencesQuery are older still. Every QuickBooks that can hold a Web Connector
# FileID answers this version, so it is safe before QuickBooks has said which versions it speaks.
HOST_QUERY_VERSION: Final = QbxmlVersion(2, 0)
_HOST_QUERIES: Final = ("HostQueryRs", "CompanyQueryRs", "PreferencesQueryRs")
# The requestIDs of host_query_request's queries.
HOST_QUERY_REQUEST_IDS: Final = frozenset({"host", "company", "preferences"})


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
    records = _first_records(parse_response(hcp_response))
    if "HostRet" not in records:
        raise InvalidXML("the Web Connector's host response has no HostRet")
    return _host_info(records)


def host_query_version(country: str) -> str:
    """The qbXML version of the host query, spelled for ``country`` (``CA2.0``, ``UK2.0``: the
    Canadian and UK editions name their versions before 6.0 with a prefix). ``country`` is
    sendRequestXML's qbXMLCountry; a client that sends none is taken to be a US edition."""
    return HOST_QUERY_VERSION.for_country(country.strip().upper() or "US")


def host_query_request(version: str, owner_id: str) -> str:
    """HostQuery, CompanyQuery (with the DataExt of ``owner_id``, which holds the FileID) and
    PreferencesQuery in one message set: what QBWC's ``strHCPResponse`` answers."""
    return build_message_set(
        version,
        (
            QueryRequest(rq_name="HostQueryRq", request_id="host"),
            QueryRequest(
                rq_name="CompanyQueryRq", request_id="company", filters=(("OwnerID", owner_id),)
            ),
            QueryRequest(rq_name="PreferencesQueryRq", request_id="preferences"),
        ),
        on_error="continueOnError",
    )


@dataclass(frozen=True)
class HostQueryAnswer:
    """QuickBooks' answer to ``host_query_request``."""

    host: HostInfo | None  # None when a query QuickBooks must answer did not succeed
    problem: str | None  # why not, for the user; None with no host: there was no answer at all
    recovery: Recovery  # how the session recovers when there is a problem


def read_host_query_answer(chunks: Iterable[str]) -> HostQueryAnswer:
    """Read the answer as it streams; raises InvalidXML for hostile, malformed or huge input.

    HostQuery and CompanyQuery must succeed (without them the company file cannot be checked);
    a failed PreferencesQuery only loses the home currency, as an HCP response without it does.
    """
    parser = ResponseParser()
    events: list[Event] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_HOST_ANSWER_CHARS:
            raise InvalidXML(
                f"the answer to the host query is over {MAX_HOST_ANSWER_CHARS:,} characters"
            )
        events.extend(e for e in parser.feed(chunk) if not isinstance(e, Record) or _wanted(e))
    if not size:
        # QuickBooks sent no response, only an hresult (the caller reads it from the call).
        return HostQueryAnswer(None, None, Recovery.RETRY_NEXT_SESSION)
    events.extend(e for e in parser.close() if not isinstance(e, Record) or _wanted(e))
    statuses = {e.rs_name: e for e in events if isinstance(e, ResponseStatus)}
    for rs_name in _HOST_QUERIES[:2]:
        status = statuses.get(rs_name)
        if status is None:
            return HostQueryAnswer(
                None, f"QuickBooks' answer has no {rs_name}", Recovery.FATAL_REQUEST
            )
        if status.recovery not in (Recovery.OK, Recovery.KEEP_WARN):
            return HostQueryAnswer(
                None,
                f"QuickBooks refused {rs_name[:-2]} (status {status.code}: "
                f"{quote_untrusted(status.message)})",
                status.recovery,
            )
    records = _first_records(events)
    if "HostRet" not in records or "CompanyRet" not in records:
        return HostQueryAnswer(
            None, "QuickBooks' answer has no HostRet or no CompanyRet", Recovery.FATAL_REQUEST
        )
    return HostQueryAnswer(_host_info(records), None, Recovery.OK)


def _wanted(record: Record) -> bool:
    return record.rs_name in _HOST_QUERIES


def _first_records(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, Record):
            records.setdefault(event.ret_name, event.data)
    return records


def _host_info(records: dict[str, dict[str, Any]]) -> HostInfo:
    host = records["HostRet"]
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


# HostRet/Country and qbXMLCountry name the QuickBooks edition, and are only ever these (the
# SDK's own spelling: UK, not ISO's GB). Anything else is not guessed at: "USA" could be a
# client's mistake as easily as a US edition.
QUICKBOOKS_COUNTRIES: frozenset[str] = frozenset({"US", "CA", "UK"})
# The widest product name stored (connections.qb_product); QuickBooks' are ~40 characters.
PRODUCT_NAME_CHARS = 255


def host_fields_refusal(host: HostInfo, country: str) -> str | None:
    """Why this host information cannot be used as it is, or None when it can.

    These values are stored with the connection; one that does not fit is refused with a clear
    reason rather than cut or guessed at.
    """
    if country not in QUICKBOOKS_COUNTRIES:
        return (
            f"QuickBooks reported its country as {quote_untrusted(repr(host.country or country))},"
            " which is "
            f"not a QuickBooks edition qbdsync knows ({', '.join(sorted(QUICKBOOKS_COUNTRIES))})."
            " Nothing was synced."
        )
    if len(host.product_name) > PRODUCT_NAME_CHARS:
        return (
            f"QuickBooks reported a product name of {len(host.product_name):,} characters "
            f"({quote_untrusted(host.product_name, 60)}); at most {PRODUCT_NAME_CHARS} are "
            "expected. Nothing was synced."
        )
    return None
