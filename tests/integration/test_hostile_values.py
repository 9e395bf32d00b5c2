"""Values from QuickBooks (or a client playing it) that do not fit where they would be stored:
each is reported, never cut, and never faults the session, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import HostSession, SimulatedQuickBooks, parse_failures
from qbdsync.simulator.webconnector import SessionResult, run_session
from qbdsync.store.tables import qbwc_sessions
from tests.conftest import LiveServer
from tests.integration.helpers import Linked, link


@dataclass
class Tampering:
    """A simulated QuickBooks whose answers pass through ``hook(index, request, answer)``."""

    inner: SimulatedQuickBooks
    hook: Callable[[int, str, str], str]
    requests: list[str] = field(default_factory=list)

    def begin_session(self) -> HostSession:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        self.requests.append(request_xml)
        return self.hook(len(self.requests) - 1, request_xml, self.inner.process(request_xml))

    def end_session(self) -> None:
        self.inner.end_session()


def tampered_session(
    linked: Linked, hook: Callable[[int, str, str], str], *, send_hcp: bool = True
) -> SessionResult:
    qwc = parse_qwc(linked.qwc_path.read_text(encoding="utf-8"))
    with SimulatedCompany.open(linked.company_file, size="small", seed=1) as company:
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        quickbooks = Tampering(SimulatedQuickBooks(company), hook)
        return run_session(
            qwc.app_url, qwc.user_name, linked.connection.password, quickbooks, send_hcp=send_hcp
        )


def _active_sessions(linked: Linked) -> int:
    with linked.server.engine.connect() as conn:
        query = select(func.count()).where(qbwc_sessions.c.status == "active")
        return int(conn.execute(query).scalar_one())


def test_an_hresult_on_the_batched_list_request_is_one_row_per_data_set(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    result = linked.sync(failures=parse_failures(["0x80040400:AccountQueryRq"]))
    assert "Not complete: accounts (failed)." in result.result
    rows = [e for e in linked.errors() if e.hresult == "0x80040400"]
    datasets = [e.dataset for e in rows]
    assert "accounts" in datasets and len(datasets) > 1  # the batch, one row each
    assert all(d is not None and "," not in d for d in datasets)
    assert _active_sessions(linked) == 0
    # The next session is not told "busy": it runs and syncs.
    again = linked.sync()
    assert "busy" not in again.result.lower()
    assert sum(linked.counts().values()) > 0


LONG_VALUES = {
    "TimeModified": (
        "<ListID>LONG-1</ListID><TimeModified>2026-01-01T00:00:00-08:00 (PC clock)"
        "</TimeModified><EditSequence>1</EditSequence>"
    ),
    "EditSequence": "<ListID>LONG-2</ListID><EditSequence>" + "1" * 40 + "</EditSequence>",
    "ListID": "<ListID>" + "L" * 70 + "</ListID><EditSequence>1</EditSequence>",
}


@pytest.mark.parametrize("case", list(LONG_VALUES))
def test_a_value_too_long_for_its_column_is_reported_not_fatal(
    live_server: LiveServer, tmp_path: Path, case: str
) -> None:
    linked = link(live_server, tmp_path)
    body = LONG_VALUES[case]

    def hook(index: int, request: str, answer: str) -> str:
        if "<CustomerQueryRs" not in answer:
            return answer
        ret = f"<CustomerRet>{body}<Name>Long</Name></CustomerRet>"
        return re.sub(r"(<CustomerQueryRs [^>]*>)", lambda m: m.group(1) + ret, answer, count=1)

    result = tampered_session(linked, hook)
    assert result.close_message.startswith("qbdsync: synced"), result.close_message
    assert _active_sessions(linked) == 0
    customers = {r["id"]: r for r in linked.stored("customers")}
    errors = [e for e in linked.errors() if e.dataset == "customers"]
    if case == "ListID":
        assert "L" * 70 not in customers  # skipped: a cut id could be another record's
        (error,) = [e for e in errors if "longer than 64" in e.message]
        assert error.sample == ("L" * 40 + "… (70 characters)",)
    else:
        stored = customers[f"LONG-{1 if case == 'TimeModified' else 2}"]
        assert stored["raw"][case] in body  # kept exactly, in the raw record
        assert any(case in e.message or case in " ".join(e.sample) for e in errors), errors


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("Country", "USA", "not a QuickBooks edition"),
        ("ProductName", "QuickBooks " + "X" * 300, "product name of 311 characters"),
    ],
)
@pytest.mark.parametrize("send_hcp", [True, False], ids=["hcp", "no-hcp"])
def test_host_fields_that_do_not_fit_are_refused_clearly(
    live_server: LiveServer, tmp_path: Path, name: str, value: str, says: str, send_hcp: bool
) -> None:
    linked = link(live_server, tmp_path)

    def hook(index: int, request: str, answer: str) -> str:
        return re.sub(rf"<{name}>[^<]*</{name}>", f"<{name}>{value}</{name}>", answer, count=1)

    qwc = parse_qwc(linked.qwc_path.read_text(encoding="utf-8"))
    with SimulatedCompany.open(linked.company_file, size="small", seed=1) as company:
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        quickbooks = Tampering(SimulatedQuickBooks(company), hook if not send_hcp else _same)
        if send_hcp:
            begin = quickbooks.inner.begin_session

            def tampered_begin() -> HostSession:
                host = begin()
                return host._replace(hcp_response=hook(0, "", host.hcp_response))

            quickbooks.begin_session = tampered_begin  # type: ignore[method-assign]
        result = run_session(
            qwc.app_url, qwc.user_name, linked.connection.password, quickbooks, send_hcp=send_hcp
        )
    assert says in (result.failure or ""), (result.failure, result.errors)
    assert _active_sessions(linked) == 0
    assert says in (linked.row().last_error or "")


def _same(index: int, request: str, answer: str) -> str:
    return answer


def test_a_huge_company_name_in_a_wrong_file_refusal_is_quoted_short(
    live_server: LiveServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    linked = link(live_server, tmp_path)
    big = "A" * 3_900_000

    def hook(index: int, request: str, answer: str) -> str:
        if index:
            return answer
        answer = re.sub(
            r"<DataExtValue>[^<]*</DataExtValue>",
            "<DataExtValue>{00000000-0000-0000-0000-000000000000}</DataExtValue>",
            answer,
        )
        return re.sub(
            r"<CompanyName>[^<]*</CompanyName>",
            f"<CompanyName>{big}</CompanyName>",
            answer,
            count=1,
        )

    result = tampered_session(linked, hook, send_hcp=False)
    assert "not the one this Web Connector entry is linked to" in (result.failure or "")
    assert "(3,900,000 characters)" in (result.failure or "")
    for text in (
        result.failure or "",
        linked.row().last_error or "",
        *(e.message for e in linked.errors()),
        *(r.getMessage() for r in caplog.records),
    ):
        assert len(text) < 2000
