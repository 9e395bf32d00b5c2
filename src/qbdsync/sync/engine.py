"""The sans-IO sync engine: what to ask QuickBooks next, and what a response changed.

Like h11 for HTTP, the engine does no I/O: drivers (the Web Connector SOAP service, the
simulator, later a Windows agent) feed it parsed qbXML events and persist what it returns. The
clock is passed in too, so every decision is a pure function of state and input.

One round trip:
    request = engine.next_request(now)          # qbXML text, or None when the session is done
    for event in parser.feed(...):               # statuses and records, streamed
        change = engine.receive(event)           # a RecordRow / Deletion to store, or None
    outcome = engine.end_response()              # watermarks to commit with those rows
    errors = engine.take_errors()                # one row per cause, with a count and a sample

``now`` is UNIX time: it drives the session's time budget and is the clock QuickBooks'
TimeModified is held to (a record stamped by a PC whose clock ran years ahead must not move a
watermark there, or every later incremental query would start in the future and miss
everything).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, assert_never

from qbdsync.errors import InvalidValue
from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.currencies import CompanyCurrency, CurrencyCodes, company_currency
from qbdsync.qbxml.hostinfo import HOST_QUERY_REQUEST_IDS
from qbdsync.qbxml.message_sets import MessageSetOutcome
from qbdsync.qbxml.parser import Event, MessageSetStatus, Record, ResponseStatus
from qbdsync.qbxml.requests import QueryRequest, build_message_set
from qbdsync.qbxml.status import HResultInfo, Recovery
from qbdsync.qbxml.values import (
    QbTimestamp,
    offset_seconds,
    parse_timestamp,
    wall_at,
    wall_minus,
)
from qbdsync.statuses import FINISHED_RUN_STATUSES, RunStatus
from qbdsync.sync.datasets import DATASETS, Dataset, Derivation, FilterValue, sync_order
from qbdsync.sync.output import (
    EDIT_SEQUENCE_CHARS,
    RECORD_ID_CHARS,
    SOURCE_MODIFIED_CHARS,
    RecordRow,
    SyncErrorRow,
)
from qbdsync.sync.state import DatasetRun, InFlight, Role, SessionState
from qbdsync.untrusted import quote_untrusted

# A stale iterator (3391) restarts its dataset from the watermark once per session; a second one
# in the same session waits for the next session instead of looping.
MAX_RESTARTS_PER_SESSION = 1

# An error that hits many records is stored once per response with a count and these many
# examples: a bad response must not write (and log) a row per record.
ERROR_SAMPLE_SIZE = 5
_EXAMPLE_CHARS = 120
# How far the farthest time zone is ahead of UTC (UTC+14): a TimeModified without an offset
# may be this far ahead of the server's clock and still be right.
_WIDEST_ZONE_AHEAD_SECONDS = 14 * 3600

# Distinct causes recorded per response; past this, occurrences are counted in one row per
# recovery kind. Causes are templates (never per-record text), so a sane response has a
# handful: the cap only bounds rows and memory when a response is built to flood.
MAX_CAUSES_PER_RESPONSE = 100
_MORE_CAUSES = (
    "further causes in this response, beyond the first {cap}, were not recorded separately"
)

# (dataset, status code, hresult, recovery, cause): the cause is a stable template, never text
# that embeds a record's values, or distinct values would each become a row.
_ErrorKey = tuple[str | None, int | None, str | None, Recovery, str]


@dataclass(slots=True)
class _Aggregate:
    message: str  # the first occurrence's message, as stored
    count: int = 0
    sample: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Deletion:
    data_type: str
    record_id: str


@dataclass(frozen=True, slots=True)
class ResponseOutcome:
    watermarks: dict[str, str]
    progress: int  # 0-99 while working, 100 when the session's work is done
    done: bool


@dataclass(frozen=True, slots=True)
class Summary:
    records: dict[str, int]
    deleted: dict[str, int]
    round_trips: int
    statuses: dict[str, RunStatus]
    problems: dict[str, str]

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def _record_id(data: Mapping[str, object]) -> str:
    found = data.get("ListID") or data.get("TxnID")
    return found if isinstance(found, str) else "(no id)"


def _short(text: str) -> str:
    return text if len(text) <= _EXAMPLE_CHARS else text[: _EXAMPLE_CHARS - 1] + "…"


def _is_timestamp(text: str) -> bool:
    try:
        parse_timestamp(text)
    except InvalidValue:
        return False
    return len(text) <= SOURCE_MODIFIED_CHARS


def _later(a: str | None, b: str | None) -> str | None:
    """The later of two QuickBooks time stamps by wall clock (offsets drift around DST)."""
    if a is None:
        return b
    if b is None:
        return a
    # `a` was validated when it became the high water; its wall clock is its first 19 chars.
    return b if parse_timestamp(b).wall > a[:19] else a


class SyncEngine:
    def __init__(self, state: SessionState) -> None:
        self.state = state
        # Errors of the response being handled, by cause; earlier responses' are sealed.
        self._errors: dict[_ErrorKey, _Aggregate] = {}
        self._sealed: list[SyncErrorRow] = []
        self._contexts: dict[str, MappingContext] = {}
        self._bank_ids: set[str] = set(state.bank_account_ids)
        # The latest plausible TimeModified per UTC offset, for the request in flight.
        self._ceilings: dict[str, QbTimestamp | None] = {}
        self._currency_codes = CurrencyCodes(CompanyCurrency(*entry) for entry in state.currencies)
        # (dataset, cause) → [records, ret name, first record id, first note]: a mapping gap is
        # recorded once per response and cause, however many records (and values) share it.
        self._gaps: dict[tuple[str, str], list[Any]] = {}
        # The messageSetStatusCode of the response being handled, when QuickBooks sent one that
        # says the set was not run: its unanswered queries are settled by it.
        self._unprocessed_set: MessageSetOutcome | None = None

    @classmethod
    def plan(
        cls,
        *,
        datasets: Iterable[str],
        watermarks: Mapping[str, str],
        history: Mapping[str, str] | None = None,
        bank_account_ids: Iterable[str] = (),
        currencies: Iterable[CompanyCurrency] = (),
        version: str,
        home_currency: str | None,
        country: str = "US",
        max_returned: int,
        overlap_seconds: int,
        deadline: float | None,
        hard_deadline: float | None = None,
        target_page_bytes: int = 1_000_000,
        future_tolerance_seconds: int = 3600,
    ) -> SyncEngine:
        history = history or {}
        offsets = (parse_timestamp(w).offset for w in watermarks.values() if _is_timestamp(w))
        company_offset = next((o for o in offsets if o), None)
        runs = [
            DatasetRun(name=n, watermark=watermarks.get(n), history_from=history.get(n))
            for n in sync_order(datasets)
        ]
        return cls(
            SessionState(
                qbxml_version=version,
                home_currency=home_currency,
                country=country,
                max_returned=max_returned,
                target_page_bytes=target_page_bytes,
                overlap_seconds=overlap_seconds,
                deadline=deadline,
                hard_deadline=hard_deadline,
                runs=runs,
                bank_account_ids=list(bank_account_ids),
                future_tolerance_seconds=future_tolerance_seconds,
                currencies=[[c.list_id, c.name, c.code] for c in currencies],
                company_offset=company_offset,
            )
        )

    # -- asking ---------------------------------------------------------------------------

    def next_request(self, now: float) -> str | None:
        """The next qbXML message set, or None when nothing is left for this session."""
        state = self.state
        if state.in_flight:
            raise RuntimeError("next_request called before the previous response was handled")
        active = [r for r in state.runs if r.status not in FINISHED_RUN_STATUSES]
        if not active:
            return None
        state.asked_at = now
        self._ceilings.clear()
        requests: list[QueryRequest] = []
        running = [r for r in active if r.status == RunStatus.RUNNING]
        if running:
            requests.append(self._continue(running[0]))
        else:
            first = active[0]
            batch = [first]
            if not DATASETS[first.name].iterator and not first.solo:
                # Whole-list queries are small: send every such dataset in one message set.
                batch += [r for r in active[1:] if not DATASETS[r.name].iterator and not r.solo]
            for run in batch:
                requests.extend(self._start(run))
        state.round_trips += 1
        return build_message_set(state.qbxml_version, requests, on_error="continueOnError")

    def _new_id(self, run: DatasetRun, role: Role) -> str:
        request_id = f"{self.state.next_request_id}"
        self.state.next_request_id += 1
        self.state.in_flight[request_id] = InFlight(dataset=run.name, role=role)
        return request_id

    def _from_wall(self, run: DatasetRun) -> str | None:
        if run.watermark is None:
            return None
        wall = parse_timestamp(run.watermark).wall
        return wall_minus(wall, self.state.overlap_seconds)

    def _start(self, run: DatasetRun) -> list[QueryRequest]:
        dataset = DATASETS[run.name]
        run.status = RunStatus.RUNNING
        run.iterator_id = None
        run.remaining = None
        self._distrust_future_watermark(run)
        from_wall = self._from_wall(run)
        requests = [
            QueryRequest(
                rq_name=dataset.query,
                request_id=self._new_id(run, "main"),
                filters=self._filters(dataset, run, from_wall),
                iterator="Start" if dataset.iterator else None,
            )
        ]
        if (from_wall is not None or run.rescan) and dataset.deleted_types:
            rq = "ListDeletedQueryRq" if dataset.kind == "list" else "TxnDeletedQueryRq"
            tag = "ListDelType" if dataset.kind == "list" else "TxnDelType"
            filters: list[tuple[str, FilterValue]] = [(tag, t) for t in dataset.deleted_types]
            if from_wall is not None:
                filters.append(("DeletedDateRangeFilter", (("FromDeletedDate", from_wall),)))
            requests.append(
                QueryRequest(
                    rq_name=rq, request_id=self._new_id(run, "deleted"), filters=tuple(filters)
                )
            )
        return requests

    def _distrust_future_watermark(self, run: DatasetRun) -> None:
        """A stored watermark past the clock (written before TimeModified was checked) would
        make every incremental query start in the future: read the dataset in full instead."""
        if run.watermark is None:
            return
        try:
            stamp = parse_timestamp(run.watermark, "watermark")
        except InvalidValue:
            return  # it was validated when stored; nothing better to do than use it
        ceiling = self._ceiling(stamp.offset)
        if ceiling is None or stamp.wall <= ceiling.wall:
            return
        self._error(
            run.name,
            None,
            None,
            Recovery.KEEP_WARN,
            f"the {run.name} watermark {run.watermark} is later than the server's clock allows "
            "(a QuickBooks clock that was wrong); the data set is read in full again",
        )
        run.watermark = None
        run.rescan = True

    def _filters(
        self, dataset: Dataset, run: DatasetRun, from_wall: str | None
    ) -> tuple[tuple[str, FilterValue], ...]:
        filters: list[tuple[str, FilterValue]] = []
        if dataset.iterator:
            filters.append(("MaxReturned", str(run.page_size or self._page_size(dataset))))
        if from_wall is not None:
            if dataset.kind == "list":
                filters.append(("FromModifiedDate", from_wall))
            else:
                filters.append(("ModifiedDateRangeFilter", (("FromModifiedDate", from_wall),)))
        elif dataset.kind == "txn" and run.history_from is not None:
            # A first sync reads only the history asked for; modified-date and transaction-date
            # filters are a choice in qbXML, so incremental syncs filter old dates here instead.
            filters.append(("TxnDateRangeFilter", (("FromTxnDate", run.history_from),)))
        filters.extend(dataset.extra_filters)
        return tuple(filters)

    def _page_size(self, dataset: Dataset) -> int:
        """MaxReturned sized so a page carries about target_page_bytes of qbXML."""
        size = self.state.target_page_bytes // max(dataset.record_bytes, 1)
        return max(10, min(self.state.max_returned, size))

    def _continue(self, run: DatasetRun) -> QueryRequest:
        dataset = DATASETS[run.name]
        # A Continue repeats the original filters; QuickBooks checks them against the iterator.
        return QueryRequest(
            rq_name=dataset.query,
            request_id=self._new_id(run, "main"),
            filters=self._filters(dataset, run, self._from_wall(run)),
            iterator="Continue",
            iterator_id=run.iterator_id,
        )

    # -- receiving ------------------------------------------------------------------------

    def receive(self, event: Event) -> list[RecordRow | Deletion]:
        """Take one parser event; return what the store must write for it (often nothing)."""
        if isinstance(event, MessageSetStatus):
            self._on_message_set(event)
            return []
        if not isinstance(event, ResponseStatus | Record):
            assert_never(event)
        flight = self.state.in_flight.get(event.request_id or "")
        if flight is None:
            self._stray(event)
            return []
        run = self.state.run(flight.dataset)
        if isinstance(event, ResponseStatus):
            self._on_status(run, flight, event)
            return []
        if run.status != RunStatus.RUNNING:
            return []
        if flight.role == "deleted":
            return self._on_deleted(run, event)
        return self._on_record(run, event)

    def _on_message_set(self, event: MessageSetStatus) -> None:
        """The message set's own status, reported before any of its answers.

        qbdsync's read sessions send no message-set IDs, so QuickBooks has no reason to send a
        code other than 0; when it does, each query it answered is still settled by its own
        status, and the ones it did not answer by this code (in end_response).
        """
        outcome = event.outcome
        if outcome.recovery is Recovery.OK:
            return
        if outcome.processed:
            self._error(
                None,
                outcome.code,
                None,
                outcome.recovery,
                f"messageSetStatusCode {outcome.code}: {outcome.meaning}",
            )
            return
        self._unprocessed_set = outcome

    def _stray(self, event: ResponseStatus | Record) -> None:
        """An answer to no request in flight: a repeated response, or a client's mistake."""
        request_id = event.request_id
        if isinstance(event, Record):
            what = f"{event.ret_name} {_record_id(event.data)}"
        else:
            what = f"{event.rs_name} status {event.code}"
        example = f"requestID {request_id!r}: {what}"
        asked_before = request_id is not None and (
            (request_id.isdigit() and 0 < int(request_id) < self.state.next_request_id)
            or (self.state.answered_host_query and request_id in HOST_QUERY_REQUEST_IDS)
        )
        if asked_before:
            # A Web Connector that did not get our reply posts the same response again; what
            # it carries was stored the first time.
            self._error(
                None,
                None,
                None,
                Recovery.KEEP_WARN,
                "QuickBooks' answer to a request already answered arrived again (a repeated "
                "response); ignored",
                example,
            )
            return
        self._error(
            None,
            None,
            None,
            Recovery.FATAL_REQUEST,
            "QuickBooks answered a request qbdsync did not send (unknown requestID); ignored",
            example,
        )

    def _on_status(self, run: DatasetRun, flight: InFlight, status: ResponseStatus) -> None:
        flight.status_seen = True
        recovery = status.recovery
        # QuickBooks' statusMessage can name a record ("the name X is already in use"): the
        # status code is the cause; the messages are its sample.
        said = quote_untrusted(status.message)
        cause = f"status {status.code}"
        if recovery in (Recovery.OK, Recovery.EMPTY, Recovery.KEEP_WARN):
            if recovery is Recovery.KEEP_WARN:
                self._error(run.name, status.code, None, recovery, said, said, cause=cause)
            if flight.role == "main":
                run.iterator_id = status.iterator_id
                run.remaining = 0 if recovery is Recovery.EMPTY else status.remaining
            return
        if flight.role == "deleted" and recovery is Recovery.NOT_SUPPORTED:
            # Deletions are unavailable here; the records themselves still sync.
            self._error(run.name, status.code, None, recovery, said, said, cause=cause)
            return
        self._error(run.name, status.code, None, recovery, said, said, cause=cause)
        if run.status != RunStatus.RUNNING:
            return
        if recovery is Recovery.RESTART_DATASET and run.restarts < MAX_RESTARTS_PER_SESSION:
            run.restarts += 1
            run.status = RunStatus.PENDING
            run.iterator_id = None
            run.message = "Iterator expired; restarting from the watermark"
            return
        run.status = _RUN_STATUS_FOR.get(recovery, RunStatus.FAILED)
        run.message = f"QuickBooks status {status.code}: {said}"

    def _on_record(self, run: DatasetRun, record: Record) -> list[RecordRow | Deletion]:
        dataset = DATASETS[run.name]
        if record.ret_name not in dataset.ret_names:
            return []
        raw = record.data
        record_id = raw.get(dataset.id_field)
        if not isinstance(record_id, str):
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{record.ret_name} records without {dataset.id_field} were skipped",
            )
            return []
        if len(record_id) > RECORD_ID_CHARS:
            # Its id is its key: it cannot be stored exactly, and a cut id could be another's.
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{record.ret_name} records whose {dataset.id_field} is longer than "
                f"{RECORD_ID_CHARS} characters were skipped (not a QuickBooks id)",
                f"{quote_untrusted(record_id, 40)}",
            )
            return []
        if run.history_from is not None and run.watermark is not None:
            txn_date = raw.get("TxnDate")
            if isinstance(txn_date, str) and txn_date < run.history_from:
                return []
        modified = raw.get("TimeModified")
        modified = modified if isinstance(modified, str) else None
        if record.ret_name == "CurrencyRet":
            self._learn_currency(raw)
        mapped: dict[str, object] | None
        mapping_error: str | None = None
        context = self._context(record.ret_name)
        try:
            if modified is not None:
                self._raise_high_water(run, record.ret_name, record_id, modified)
            mapped = dataset.mapper(raw, context)
            mapping_error = self._gaps_of(run.name, record.ret_name, record_id, context, True)
        except InvalidValue as exc:
            context.issues.take()
            mapped = None
            mapping_error = str(exc)
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{record.ret_name} records kept raw, not mapped",
                f"{record_id}: {exc}",
            )
        run.records += 1
        row = RecordRow(
            data_type=dataset.data_type,
            record_id=record_id,
            edit_sequence=self._edit_sequence(run, record.ret_name, record_id, raw),
            # Only a valid stamp is indexed (an invalid one was reported above and stays in the
            # raw record, exactly as sent).
            source_modified=modified if modified is not None and _is_timestamp(modified) else None,
            raw=raw,
            data=mapped,
            mapping_error=mapping_error,
        )
        if not dataset.derived or mapped is None:
            return [row]
        rows: list[RecordRow | Deletion] = [row]
        for derivation in dataset.derived:
            try:
                derived = derivation.mapper(raw, context)
                gaps = self._gaps_of(run.name, record.ret_name, record_id, context, False)
            except InvalidValue as exc:
                context.issues.take()
                self._error(
                    run.name,
                    None,
                    None,
                    Recovery.KEEP_WARN,
                    f"{record.ret_name} records not mapped to {derivation.data_type}",
                    f"{record_id}: {exc}",
                )
                continue
            rows.extend(self._derived_rows(run, record.ret_name, row, derivation, derived, gaps))
        return rows

    def _derived_rows(
        self,
        run: DatasetRun,
        ret_name: str,
        source: RecordRow,
        derivation: Derivation,
        derived: list[dict[str, Any]],
        gaps: str | None,
    ) -> list[RecordRow | Deletion]:
        """The rows one source record derives for one type; every id it may derive rows under
        and did not this time is deleted, so a row made from an earlier version (a receipt
        moved out of the bank, a transfer side no longer in a bank account) does not stay live."""
        possible = derivation.row_ids(source.record_id)
        made: list[str] = []
        rows: list[RecordRow | Deletion] = []
        too_long = False
        for data in derived:
            row_id = data.get("id")
            if not isinstance(row_id, str) or row_id not in possible or row_id in made:
                raise ValueError(
                    f"{derivation.data_type} row id {row_id!r} from {source.record_id} is not "
                    f"one of its declared ids {possible} (or repeats)"
                )
            if len(row_id) > RECORD_ID_CHARS:
                # The id is the row's key: it cannot be stored exactly, and a cut id could be
                # another row's. The row is not stored; the error below says so.
                too_long = True
                continue
            made.append(row_id)
            rows.append(
                replace(
                    source,
                    data_type=derivation.data_type,
                    record_id=row_id,
                    data=data,
                    mapping_error=gaps,
                )
            )
        if too_long:
            # A sync error of the dataset, once per source record, its sample the QuickBooks
            # record the rows come from (whole: a source id fits): never dropped unseen.
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{derivation.data_type} rows of {ret_name} records were not stored: their id "
                f"would be longer than {RECORD_ID_CHARS} characters (the {ret_name} record "
                "itself was stored)",
                source.record_id,
            )
        rows.extend(
            Deletion(data_type=derivation.data_type, record_id=i)
            for i in possible
            # An id longer than the key was never stored: there is nothing of it to delete.
            if i not in made and len(i) <= RECORD_ID_CHARS
        )
        if made:
            run.derived[derivation.data_type] = run.derived.get(derivation.data_type, 0) + len(made)
        if (
            derivation.data_type == "bankAccounts"
            and made
            and source.record_id not in self._bank_ids
        ):
            # Later transactions in this session must know it is a bank account.
            self._bank_ids.add(source.record_id)
            self.state.bank_account_ids.append(source.record_id)
            self._contexts.clear()
        return rows

    def _edit_sequence(
        self, run: DatasetRun, ret_name: str, record_id: str, raw: Mapping[str, Any]
    ) -> str | None:
        """The record's EditSequence for its column, or None (reported) when it does not fit:
        the raw record keeps it exactly; it is never stored cut."""
        value = raw.get("EditSequence")
        if not isinstance(value, str):
            return None
        if len(value) > EDIT_SEQUENCE_CHARS:
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{ret_name} records whose EditSequence is longer than {EDIT_SEQUENCE_CHARS} "
                "characters: kept, the EditSequence only in the raw record",
                record_id,
            )
            return None
        return value

    def _raise_high_water(
        self, run: DatasetRun, ret_name: str, record_id: str, modified: str
    ) -> None:
        """Move the run's high water to ``modified``, but never past the server's clock.

        The record itself is kept as QuickBooks sent it; only the watermark is held back, and a
        warning names the record so that the wrong clock can be found.
        """
        stamp = parse_timestamp(modified, "TimeModified")
        if stamp.offset and self.state.company_offset is None:
            self.state.company_offset = stamp.offset
            self._ceilings.clear()
        ceiling = self._ceiling(stamp.offset)
        if ceiling is not None and stamp.wall > ceiling.wall:
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{ret_name} records modified later than the server's clock allows (after "
                f"{ceiling.text}: was QuickBooks' clock wrong?); kept, but the watermark stops "
                "there",
                f"{record_id} TimeModified {modified}",
                # One cause whatever the offset (each offset has its own ceiling).
                cause=f"{ret_name} modified after the clock",
            )
            stamp = ceiling
        if run.high_water is None or stamp.wall > run.high_water[:19]:
            run.high_water = stamp.text

    def _ceiling(self, offset: str) -> QbTimestamp | None:
        """The latest plausible TimeModified: the server's clock when the request was asked,
        plus the tolerance, as a wall clock at the company's own offset when it is known (the
        next FromModifiedDate is read on that PC's clock, whatever offset a record claims), else
        at ``offset``, else at the farthest time zone ahead of UTC. None before any request was
        asked."""
        if offset in self._ceilings:
            return self._ceilings[offset]
        state = self.state
        ceiling: QbTimestamp | None = None
        if state.asked_at is not None:
            clock = state.company_offset or offset
            try:
                ahead = offset_seconds(clock) if clock else _WIDEST_ZONE_AHEAD_SECONDS
            except InvalidValue:
                clock, ahead = offset, _WIDEST_ZONE_AHEAD_SECONDS
            wall = wall_at(state.asked_at + state.future_tolerance_seconds, ahead)
            ceiling = QbTimestamp(wall=wall, offset=clock)
        self._ceilings[offset] = ceiling
        return ceiling

    def _context(self, ret_name: str) -> MappingContext:
        context = self._contexts.get(ret_name)
        if context is None:
            context = MappingContext(
                home_currency=self.state.home_currency,
                country=self.state.country,
                ret_name=ret_name,
                bank_account_ids=frozenset(self._bank_ids) or None,
                currencies=self._currency_codes,
            )
            self._contexts[ret_name] = context
        return context

    def _learn_currency(self, raw: dict[str, Any]) -> None:
        """A CurrencyRet joins the company's list, so later records use its code.

        The currencies dataset runs before every dataset whose records carry a currency, so
        within a session the list is complete before it is needed.
        """
        entry = company_currency(raw)
        list_id = raw.get("ListID")
        known = self.state.currencies
        if entry is None:
            # No usable code (any more): a code it had before must not be used now.
            if not any(e[0] == list_id for e in known):
                return
            known[:] = [e for e in known if e[0] != list_id]
        else:
            value = [entry.list_id, entry.name, entry.code]
            if value in known:
                return
            known[:] = [e for e in known if e[0] != entry.list_id] + [value]
        self._currency_codes = CurrencyCodes(CompanyCurrency(*e) for e in known)
        self._contexts.clear()

    def _gaps_of(
        self, dataset: str, ret_name: str, record_id: str, context: MappingContext, primary: bool
    ) -> str | None:
        """What the mapper left empty for this record (stored with it), tallied for the log.

        A derived row repeats its source's gaps, which were counted with the source record.
        """
        issues = context.issues.take_with_causes()
        for cause, note in issues:
            tally = self._gaps.setdefault((dataset, cause), [0, ret_name, record_id, note])
            if primary or tally[0] == 0:
                tally[0] += 1
        return "; ".join(note for _, note in issues) or None

    def _record_gaps(self) -> None:
        for (dataset, cause), (count, ret_name, record_id, note) in self._gaps.items():
            records = "1 record" if count == 1 else f"{count} records"
            self._error(
                dataset,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{records} mapped with a gap (e.g. {ret_name} {record_id}): {note}",
                cause=f"gap: {cause}",
            )
        self._gaps.clear()

    def _on_deleted(self, run: DatasetRun, record: Record) -> list[RecordRow | Deletion]:
        dataset = DATASETS[run.name]
        record_id = record.data.get(dataset.id_field)
        if not isinstance(record_id, str):
            return []
        run.deleted += 1
        return [
            Deletion(data_type=dataset.data_type, record_id=record_id),
            *(
                Deletion(data_type=derivation.data_type, record_id=row_id)
                for derivation in dataset.derived
                for row_id in derivation.row_ids(record_id)
            ),
        ]

    def fail_response(self, info: HResultInfo, message: str) -> None:
        """QuickBooks sent no response, only an hresult, for the whole message set.

        A message set that batched several whole-list queries failed as a whole, so the culprit
        is unknown: each of them is asked again alone before any is called failed.
        """
        batched = {f.dataset for f in self.state.in_flight.values()}
        refused = info.recovery in (Recovery.FATAL_REQUEST, Recovery.VALIDATION)
        for flight in self.state.in_flight.values():
            run = self.state.run(flight.dataset)
            if run.status != RunStatus.RUNNING:
                continue
            if refused and len(batched) > 1 and not run.solo:
                run.status = RunStatus.PENDING
                run.solo = True
                run.message = f"{info.name} on a batched request; asking again on its own"
                continue
            run.status = _RUN_STATUS_FOR.get(info.recovery, RunStatus.RETRY)
            run.message = f"{info.name}: {info.user_message}"
        # One row per data set, so that an operator's "errors of dataset X" finds it (and the
        # dataset column holds one name, as everywhere else).
        text = f"{info.user_message} {quote_untrusted(message)}".strip()
        datasets: list[str | None] = [*sorted(batched)] or [None]
        for dataset in datasets:
            self._error(dataset, None, f"0x{info.code:08X}", info.recovery, text)
        self.state.in_flight.clear()
        self._unprocessed_set = None

    def reject_response(self, request_id: str | None, message: str) -> None:
        """QuickBooks' response could not be read (a record past the size limits), so nothing
        from it was stored; the state must be the one from before the response.

        The query that returned the record fails, recorded with `message`; other queries of the
        same message set start again, since their answers were not stored either. When the
        culprit is unknown (an unknown requestID), each batched query is asked again alone, as
        in fail_response, and a query already alone fails.
        """
        culprit = self.state.in_flight.get(request_id or "")
        batched = {f.dataset for f in self.state.in_flight.values()}
        failed: set[str] = set()
        for flight in self.state.in_flight.values():
            run = self.state.run(flight.dataset)
            if run.status != RunStatus.RUNNING:
                continue
            if culprit is not None and flight.dataset != culprit.dataset:
                run.status = RunStatus.PENDING
                run.message = "asked again: another answer in the same response was too large"
            elif culprit is None and len(batched) > 1 and not run.solo:
                run.status = RunStatus.PENDING
                run.solo = True
                run.message = "a record in a batched response was too large; asking again alone"
            else:
                run.status = RunStatus.FAILED
                run.message = message
                failed.add(run.name)
        self._error(",".join(sorted(failed)) or None, None, None, Recovery.FATAL_REQUEST, message)
        self.state.in_flight.clear()
        self._unprocessed_set = None

    def end_response(self, response_bytes: int = 0, now: float | None = None) -> ResponseOutcome:
        """Close the round trip: finished datasets commit their watermarks with their rows.

        `response_bytes` (the size of the qbXML just received) lets the next page's MaxReturned
        follow the records' real size.
        """
        watermarks: dict[str, str] = {}
        unanswered = False
        self._record_gaps()
        self._adapt_page_size(response_bytes)
        for flight in self.state.in_flight.values():
            if flight.role != "main":
                continue
            run = self.state.run(flight.dataset)
            if run.status != RunStatus.RUNNING:
                continue
            if not flight.status_seen:
                self._unanswered(run)
                unanswered = True
                continue
            exhausted = not DATASETS[run.name].iterator or not run.remaining
            if exhausted:
                run.status = RunStatus.DONE
                newest = _later(run.watermark, run.high_water)
                if newest is not None and newest != run.watermark:
                    watermarks[run.name] = newest
        outcome, self._unprocessed_set = self._unprocessed_set, None
        if outcome is not None and not unanswered:
            # Every query was answered all the same: their statuses stand; the code is noted.
            self._error(
                None,
                outcome.code,
                None,
                Recovery.KEEP_WARN,
                f"messageSetStatusCode {outcome.code} ({outcome.meaning}), yet every query of "
                "the message set was answered; the answers were kept",
            )
        self.state.in_flight.clear()
        if now is not None:
            self._defer_if_over_budget(now)
        self._seal_errors()
        done = all(r.status in FINISHED_RUN_STATUSES for r in self.state.runs)
        return ResponseOutcome(watermarks=watermarks, progress=self.progress(), done=done)

    def _unanswered(self, run: DatasetRun) -> None:
        """A query of this response got no ``…Rs``: it is asked again next session, or, when
        the message set's code says the set itself was refused as built, it fails."""
        outcome = self._unprocessed_set
        if outcome is None:
            run.status = RunStatus.RETRY
            run.message = "QuickBooks' response had no answer to this query"
            self._error(run.name, None, None, Recovery.RETRY_NEXT_SESSION, run.message)
            return
        run.status = _RUN_STATUS_FOR.get(outcome.recovery, RunStatus.RETRY)
        run.message = (
            f"QuickBooks did not run this query: messageSetStatusCode {outcome.code} "
            f"({outcome.meaning})"
        )
        self._error(run.name, outcome.code, None, outcome.recovery, run.message)

    def _defer_if_over_budget(self, now: float) -> None:
        """Once the time budget is spent, start nothing new: the rest waits for the next session.

        An iterator already open runs to its end — QuickBooks iterators die with the session, so
        stopping halfway would repeat the same pages next time and a large type would never
        finish. Only the hard limit cuts an open iterator.
        """
        state = self.state
        if state.deadline is None or now < state.deadline:
            return
        hard = state.hard_deadline is not None and now >= state.hard_deadline
        if not hard and not any(run.status in FINISHED_RUN_STATUSES for run in state.runs):
            return  # every session finishes at least one dataset, or nothing would progress
        for run in state.runs:
            if run.status == RunStatus.PENDING:
                run.status = RunStatus.DEFERRED
                run.message = "Session time budget reached; resumes next session"
            elif hard and run.status == RunStatus.RUNNING:
                run.status = RunStatus.DEFERRED
                run.message = "Session hard time limit reached; restarts next session"

    def _adapt_page_size(self, response_bytes: int) -> None:
        mains = [f for f in self.state.in_flight.values() if f.role == "main"]
        if response_bytes <= 0 or len(mains) != 1:
            return
        run = self.state.run(mains[0].dataset)
        if not DATASETS[run.name].iterator or run.records <= run.records_at_page_start:
            run.records_at_page_start = run.records
            return
        per_record = response_bytes / (run.records - run.records_at_page_start)
        run.records_at_page_start = run.records
        size = int(self.state.target_page_bytes / max(per_record, 1.0))
        run.page_size = max(10, min(self.state.max_returned, size))

    # -- reporting ------------------------------------------------------------------------

    def progress(self) -> int:
        runs = self.state.runs
        if not runs or all(r.status in FINISHED_RUN_STATUSES for r in runs):
            return 100
        finished = sum(1 for r in runs if r.status in FINISHED_RUN_STATUSES)
        return min(99, max(1, finished * 100 // len(runs)))

    def take_errors(self) -> list[SyncErrorRow]:
        """What went wrong since the last call: one row per response and cause, each with a
        count and a sample."""
        self._seal_errors()
        errors, self._sealed = self._sealed, []
        return errors

    def _seal_errors(self) -> None:
        self._sealed.extend(
            SyncErrorRow(
                dataset, code, hresult, recovery, found.message, found.count, tuple(found.sample)
            )
            for (dataset, code, hresult, recovery, _), found in self._errors.items()
        )
        self._errors = {}

    def _error(
        self,
        dataset: str | None,
        code: int | None,
        hresult: str | None,
        recovery: Recovery,
        message: str,
        example: str | None = None,
        *,
        cause: str | None = None,
    ) -> None:
        """Count one occurrence of a cause; ``example`` (a record id…) joins the sample.

        ``cause`` is the stable template the occurrences are counted under; without it the
        message is, so a message must then hold no per-record text. The first occurrence's
        message is the one stored.
        """
        key = (dataset, code, hresult, recovery, cause or message)
        found = self._errors.get(key)
        if found is None and len(self._errors) >= MAX_CAUSES_PER_RESPONSE:
            # One more row per recovery kind at most, its sample the first messages it took.
            example = message  # the cause that gets no row of its own
            message = _MORE_CAUSES.format(cap=MAX_CAUSES_PER_RESPONSE)
            key = (None, None, None, recovery, message)
            found = self._errors.get(key)
        if found is None:
            found = self._errors[key] = _Aggregate(message=message)
        found.count += 1
        if example is not None and len(found.sample) < ERROR_SAMPLE_SIZE:
            example = _short(example)
            if example not in found.sample and example != found.message:
                found.sample.append(example)

    def summary(self) -> Summary:
        runs = self.state.runs
        return Summary(
            records={r.name: r.records for r in runs},
            deleted={r.name: r.deleted for r in runs if r.deleted},
            round_trips=self.state.round_trips,
            statuses={r.name: r.status for r in runs},
            problems={r.name: r.message for r in runs if r.message and r.status != RunStatus.DONE},
        )


_RUN_STATUS_FOR: dict[Recovery, RunStatus] = {
    Recovery.RETRY_NEXT_SESSION: RunStatus.RETRY,
    Recovery.RESTART_DATASET: RunStatus.RETRY,
    Recovery.NOT_SUPPORTED: RunStatus.NOT_SUPPORTED,
    Recovery.VALIDATION: RunStatus.FAILED,
    Recovery.FATAL_REQUEST: RunStatus.FAILED,
    Recovery.PERMISSION: RunStatus.FAILED,
    # Write outcomes: a read query never meets them, and one that did was refused.
    Recovery.REREAD_AND_RETRY: RunStatus.FAILED,
    Recovery.NAME_IN_USE: RunStatus.FAILED,
    Recovery.CLOSED_PERIOD: RunStatus.FAILED,
}
