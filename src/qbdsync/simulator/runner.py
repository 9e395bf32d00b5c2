"""One simulated "Update Selected": a .qwc, a simulated company file, a Web Connector session.

Shared by `qbdsync simulate`, `qbdsync demo` and the integration tests so they all run the same
thing a real user's PC would.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.session.processor import OpenedCompany
from qbdsync.simulator.catalogue import CATALOGUE, codat_type_of_query
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.message_sets import DropWrite
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.simulator.webconnector import run_session

# Records are counted under their Codat data type names (derived types are not counted: they
# travel inside their source records).
CODAT_TYPE_OF_RET: dict[str, str] = {t.ret: t.codat_type for t in CATALOGUE}
# A response's query sections (<ItemQueryRs …>) and the records in them, in document order.
_RS_OR_RET_TAG = re.compile(r"<(\w+Query)Rs\b|<(\w+Ret)>")


@dataclass
class CountingQuickBooks:
    """Wraps the simulated QuickBooks to count the records each session transfers."""

    inner: SimulatedQuickBooks
    records: Counter[str] = field(default_factory=Counter)
    # (data type, query) → records of that type that came again inside another type's query
    # (QuickBooks' ItemQuery lists the sales-tax items and groups among all items).
    repeated: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: int = 0

    def begin_session(self) -> OpenedCompany:
        # The company record travels in the Web Connector's first-call HCP response.
        self.records["company"] = 1
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        self.requests += 1
        response = self.inner.process(request_xml)
        # Top-level records only: the Ret names we count never nest inside one another.
        query = ""
        for match in _RS_OR_RET_TAG.finditer(response):
            if match[1]:
                query = match[1]
                continue
            codat = CODAT_TYPE_OF_RET.get(match[2])
            if codat is None:
                continue
            self.records[codat] += 1
            if query and codat_type_of_query(f"{query}Rq") != codat:
                self.repeated[(codat, f"{query}Rq")] += 1
        return response

    def end_session(self) -> None:
        self.inner.end_session()


@dataclass(frozen=True)
class SimulationResult:
    requests: int
    records: dict[str, int]
    seconds: float
    result: str
    auth: str
    errors: list[str]
    # Why the session did not do its work (wrong password, busy, wrong company file,
    # unreachable AppURL, …); None when it ran to the end or had nothing to do.
    error: str | None = None
    repeated: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "records": self.records,
            "seconds": round(self.seconds, 3),
            "result": self.result,
            "error": self.error,
        }


def default_company_file(qwc_path: Path, *, size: str, seed: int, country: str) -> Path:
    """Where `qbdsync simulate` keeps a connection's simulated company when not told.

    One file per connection (by the .qwc's user name): a second connection gets a company file
    of its own, as a second company on a real PC would, instead of the first one's (which its
    FileID check would refuse).
    """
    user = parse_qwc(qwc_path.read_text(encoding="utf-8")).user_name
    safe_user = re.sub(r"[^A-Za-z0-9_.-]+", "_", user).strip("._") or "connection"
    return Path(f"qbdsync-sim-{safe_user}-{country}-{size}-{seed}.qbsim")


def simulate(
    *,
    qwc_path: Path,
    password: str,
    company_file: Path,
    size: str = "small",
    seed: int = 1,
    country: str = "US",
    churn: int = 0,
    failures: Mapping[str, int] | None = None,
    url: str | None = None,
    log: TextIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    send_hcp: bool = True,
    drop_write: DropWrite | None = None,
) -> SimulationResult:
    """One session; ``send_hcp=False`` plays a Web Connector client that sends no company
    information (qbdsync then asks QuickBooks for it); ``drop_write`` loses the response of
    the session's N-th write at a chosen step (see qbdsync.simulator.message_sets)."""
    qwc = parse_qwc(qwc_path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    with SimulatedCompany.open(company_file, size=size, seed=seed, country=country) as company:  # type: ignore[arg-type]
        # What QBWC does when the .qwc is added: stamp the file with this app's FileID.
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        if churn:
            company.churn(churn)
        simulated = SimulatedQuickBooks(company, failures=failures, drop_write=drop_write)
        quickbooks = CountingQuickBooks(simulated)
        session = run_session(
            url or qwc.app_url,
            qwc.user_name,
            password,
            quickbooks,
            log=log,
            on_progress=on_progress,
            send_hcp=send_hcp,
            faults=simulated.write_faults,
        )
    return SimulationResult(
        requests=quickbooks.requests,
        records=dict(sorted(quickbooks.records.items())),
        seconds=time.perf_counter() - started,
        result=session.close_message,
        auth=session.auth_result,
        errors=list(session.errors),
        error=session.failure,
        repeated=dict(quickbooks.repeated),
    )
