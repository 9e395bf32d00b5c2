"""Checks and values of a session's start: the company file, the qbXML version, the company
record. Pure: the session core reads and writes the store around them."""

from __future__ import annotations

from qbdsync.diagnosis import entries_qbwc
from qbdsync.diagnosis.catalogue import web_connector_text
from qbdsync.errors import NotSupported
from qbdsync.mapping.company import map_company_info
from qbdsync.mapping.currencies import CurrencyCodes
from qbdsync.qbxml.hostinfo import HostInfo, host_fields_refusal
from qbdsync.qbxml.status import Recovery
from qbdsync.qbxml.versions import negotiate_version, version_from_major_minor
from qbdsync.sync.output import RecordRow, SyncErrorRow
from qbdsync.untrusted import quote_untrusted

HOME_CURRENCY = {"US": "USD", "CA": "CAD", "UK": "GBP"}


# The code of a refused company file: not QuickBooks' (it opened the file happily) but ours,
# so the catalogue, a health check and the doctor name it alike.
WRONG_COMPANY_FILE = entries_qbwc.WRONG_COMPANY_FILE


class Refused(Exception):
    """The session may not start (or go on); `message` is for the user, `code` (when there is
    one) names the problem in the catalogue's terms."""

    def __init__(self, message: str, recovery: Recovery, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.recovery = recovery
        self.code = code


def check_company_file(
    host: HostInfo, *, owner_id: str, linked_file_id: str, company_file: str
) -> None:
    """Refused unless the open company file carries the FileID this connection is linked to."""
    file_id = host.file_id(owner_id)
    if file_id is None or file_id.strip("{}").upper() != linked_file_id.strip("{}").upper():
        opened = quote_untrusted(host.company_name or company_file)
        raise Refused(
            web_connector_text(WRONG_COMPANY_FILE, f"QuickBooks has {opened} open."),
            Recovery.VALIDATION,
            WRONG_COMPANY_FILE,
        )


def negotiate(host: HostInfo, country: str, major: str, minor: str, newest: str) -> str:
    """The qbXML version both sides speak (Refused when there is none)."""
    supported = list(host.supported_versions)
    if not supported:
        try:
            supported = [version_from_major_minor(major, minor)]
        except ValueError:
            supported = []
    try:
        return negotiate_version(newest, supported, host.country or country)
    except NotSupported as exc:
        raise Refused(
            f"This QuickBooks speaks no qbXML version qbdsync supports ({exc}). "
            "Update QuickBooks Desktop to a current release.",
            Recovery.NOT_SUPPORTED,
        ) from exc


def company_country(host: HostInfo, country: str) -> str:
    """The edition's country; Refused when the host answer lacks fields a session needs."""
    qb_country = (host.country or country or "US").upper()
    refusal = host_fields_refusal(host, qb_country)
    if refusal is not None:
        raise Refused(refusal, Recovery.VALIDATION)
    return qb_country


def company_row(
    host: HostInfo, home: str | None, codes: CurrencyCodes, country: str
) -> tuple[RecordRow, SyncErrorRow | None]:
    """Company info from the host response, and a warning when its home currency has no code."""
    base_currency = codes.code(name=home) if home else None
    gap = None
    if home and base_currency is None:
        gap = (
            f"baseCurrency: the home currency {quote_untrusted(repr(home))} matches no ISO 4217 "
            "code; left empty"
        )
    row = RecordRow(
        data_type="company",
        record_id="company",
        edit_sequence=None,
        source_modified=None,
        raw=host.company,
        data=map_company_info(
            host.company, home_currency=base_currency, product=host.product_name, country=country
        ),
        mapping_error=gap,
    )
    warning = None if gap is None else SyncErrorRow("company", None, None, Recovery.KEEP_WARN, gap)
    return row, warning
