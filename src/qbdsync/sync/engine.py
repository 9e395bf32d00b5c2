"""The sans-IO sync engine: what to ask QuickBooks next, and what a response changed.

Like h11 for HTTP, the engine does no I/O: drivers (the Web Connector SOAP service, the
simulator, later a Windows agent) feed it parsed qbXML events and persist what it returns. The
clock is passed in too, so every decision is a pure function of state and input.

One round trip:
    request = engine.next_request(now)          # qbXML text, or None when the session is done
    for event in parser.feed(...):               # statuses and records, streamed
        change = engine.receive(event)           # a RecordRow / Deletion to store, or None
    outcome = engine.end_response()              # watermarks to commit with those rows
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from qbdsync.errors import InvalidValue
from qbdsync.mapping.common import MappingContext
from qbdsync.qbxml.parser import Record, ResponseStatus
from qbdsync.qbxml.requests import QueryRequest, build_message_set
from qbdsync.qbxml.status import HResultInfo, Recovery
from qbdsync.qbxml.values import parse_timestamp, wall_minus
from qbdsync.store.records import RecordRow, SyncErrorRow
from qbdsync.sync.datasets import DATASETS, Dataset, FilterValue, sync_order
from qbdsync.sync.state import FINISHED, DatasetRun, InFlight, RunStatus, SessionState

# A stale iterator (3391) restarts its dataset from the watermark once per session; a second one
# in the same session waits for the next session instead of looping.
MAX_RESTARTS_PER_SESSION = 1


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
    statuses: dict[str, str]
    problems: dict[str, str]

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


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
        self._errors: list[SyncErrorRow] = []
        self._contexts: dict[str, MappingContext] = {}
        self._bank_ids: set[str] = set(state.bank_account_ids)

    @classmethod
    def plan(
        cls,
        *,
        datasets: Iterable[str],
        watermarks: Mapping[str, str],
        history: Mapping[str, str] | None = None,
        bank_account_ids: Iterable[str] = (),
        version: str,
        home_currency: str | None,
        country: str = "US",
        max_returned: int,
        overlap_seconds: int,
        deadline: float | None,
        hard_deadline: float | None = None,
        target_page_bytes: int = 1_000_000,
    ) -> SyncEngine:
        history = history or {}
        runs = [
            DatasetRun(name=n, watermark=watermarks.get(n), history_from=history.get(n))
            for n in sync_order(datasets)
        ]
        return cls(
            SessionState(
                version=version,
                home_currency=home_currency,
                country=country,
                max_returned=max_returned,
                target_page_bytes=target_page_bytes,
                overlap_seconds=overlap_seconds,
                deadline=deadline,
                hard_deadline=hard_deadline,
                runs=runs,
                bank_account_ids=list(bank_account_ids),
            )
        )

    # -- asking ---------------------------------------------------------------------------

    def next_request(self, now: float) -> str | None:
        """The next qbXML message set, or None when nothing is left for this session."""
        state = self.state
        if state.in_flight:
            raise RuntimeError("next_request called before the previous response was handled")
        active = [r for r in state.runs if r.status not in FINISHED]
        if not active:
            return None
        requests: list[QueryRequest] = []
        running = [r for r in active if r.status == "running"]
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
        return build_message_set(state.version, requests, on_error="continueOnError")

    def _new_id(self, run: DatasetRun, role: str) -> str:
        request_id = f"{self.state.next_request_id}"
        self.state.next_request_id += 1
        self.state.in_flight[request_id] = InFlight(dataset=run.name, role=role)  # type: ignore[arg-type]
        return request_id

    def _from_wall(self, run: DatasetRun) -> str | None:
        if run.watermark is None:
            return None
        wall = parse_timestamp(run.watermark).wall
        return wall_minus(wall, self.state.overlap_seconds)

    def _start(self, run: DatasetRun) -> list[QueryRequest]:
        dataset = DATASETS[run.name]
        run.status = "running"
        run.iterator_id = None
        run.remaining = None
        from_wall = self._from_wall(run)
        requests = [
            QueryRequest(
                rq_name=dataset.query,
                request_id=self._new_id(run, "main"),
                filters=self._filters(dataset, run, from_wall),
                iterator="Start" if dataset.iterator else None,
            )
        ]
        if from_wall is not None and dataset.deleted_types:
            rq = "ListDeletedQueryRq" if dataset.kind == "list" else "TxnDeletedQueryRq"
            tag = "ListDelType" if dataset.kind == "list" else "TxnDelType"
            filters: list[tuple[str, FilterValue]] = [(tag, t) for t in dataset.deleted_types]
            filters.append(("DeletedDateRangeFilter", (("FromDeletedDate", from_wall),)))
            requests.append(
                QueryRequest(
                    rq_name=rq, request_id=self._new_id(run, "deleted"), filters=tuple(filters)
                )
            )
        return requests

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

    def receive(self, event: ResponseStatus | Record) -> list[RecordRow | Deletion]:
        """Take one parser event; return what the store must write for it (often nothing)."""
        flight = self.state.in_flight.get(event.request_id or "")
        if flight is None:
            self._error(
                None,
                None,
                None,
                Recovery.FATAL_REQUEST,
                f"QuickBooks answered an unknown requestID {event.request_id!r}",
            )
            return []
        run = self.state.run(flight.dataset)
        if isinstance(event, ResponseStatus):
            self._on_status(run, flight, event)
            return []
        if run.status != "running":
            return []
        if flight.role == "deleted":
            return self._on_deleted(run, event)
        return self._on_record(run, event)

    def _on_status(self, run: DatasetRun, flight: InFlight, status: ResponseStatus) -> None:
        flight.status_seen = True
        recovery = status.recovery
        if recovery in (Recovery.OK, Recovery.EMPTY, Recovery.KEEP_WARN):
            if recovery is Recovery.KEEP_WARN:
                self._error(run.name, status.code, None, recovery, status.message)
            if flight.role == "main":
                run.pages += 1
                run.iterator_id = status.iterator_id
                run.remaining = 0 if recovery is Recovery.EMPTY else status.remaining
            return
        if flight.role == "deleted" and recovery is Recovery.NOT_SUPPORTED:
            # Deletions are unavailable here; the records themselves still sync.
            self._error(run.name, status.code, None, recovery, status.message)
            return
        self._error(run.name, status.code, None, recovery, status.message)
        if run.status != "running":
            return
        if recovery is Recovery.RESTART_DATASET and run.restarts < MAX_RESTARTS_PER_SESSION:
            run.restarts += 1
            run.status = "pending"
            run.iterator_id = None
            run.message = "Iterator expired; restarting from the watermark"
            return
        run.status = _RUN_STATUS_FOR.get(recovery, "failed")
        run.message = f"QuickBooks status {status.code}: {status.message}"

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
                f"a {record.ret_name} without {dataset.id_field} was skipped",
            )
            return []
        if run.history_from is not None and run.watermark is not None:
            txn_date = raw.get("TxnDate")
            if isinstance(txn_date, str) and txn_date < run.history_from:
                return []
        modified = raw.get("TimeModified")
        modified = modified if isinstance(modified, str) else None
        mapped: dict[str, object] | None
        mapping_error: str | None = None
        try:
            if modified is not None:
                run.high_water = _later(run.high_water, modified)
            mapped = dataset.mapper(raw, self._context(record.ret_name))
        except InvalidValue as exc:
            mapped = None
            mapping_error = str(exc)
            self._error(
                run.name,
                None,
                None,
                Recovery.KEEP_WARN,
                f"{record.ret_name} {record_id} kept raw, not mapped: {exc}",
            )
        run.records += 1
        edit_sequence = raw.get("EditSequence")
        row = RecordRow(
            data_type=dataset.data_type,
            record_id=record_id,
            edit_sequence=edit_sequence if isinstance(edit_sequence, str) else None,
            source_modified=modified,
            raw=raw,
            data=mapped,
            mapping_error=mapping_error,
        )
        if not dataset.derived or mapped is None:
            return [row]
        rows: list[RecordRow | Deletion] = [row]
        context = self._context(record.ret_name)
        for derivation in dataset.derived:
            try:
                derived = derivation.mapper(raw, context)
            except InvalidValue as exc:
                self._error(
                    run.name,
                    None,
                    None,
                    Recovery.KEEP_WARN,
                    f"{record.ret_name} {record_id} not mapped to {derivation.data_type}: {exc}",
                )
                continue
            if derived is None:
                # Not (or no longer) this derived type, e.g. a receipt moved out of the bank:
                # a row made from an earlier version must not stay live.
                rows.append(Deletion(data_type=derivation.data_type, record_id=record_id))
            else:
                rows.append(replace(row, data_type=derivation.data_type, data=derived))
                if derivation.data_type == "bankAccounts" and record_id not in self._bank_ids:
                    # Later transactions in this session must know it is a bank account.
                    self._bank_ids.add(record_id)
                    self.state.bank_account_ids.append(record_id)
                    self._contexts.clear()
        return rows

    def _context(self, ret_name: str) -> MappingContext:
        context = self._contexts.get(ret_name)
        if context is None:
            context = MappingContext(
                home_currency=self.state.home_currency,
                country=self.state.country,
                ret_name=ret_name,
                bank_account_ids=frozenset(self._bank_ids) or None,
            )
            self._contexts[ret_name] = context
        return context

    def _on_deleted(self, run: DatasetRun, record: Record) -> list[RecordRow | Deletion]:
        dataset = DATASETS[run.name]
        record_id = record.data.get(dataset.id_field)
        if not isinstance(record_id, str):
            return []
        run.deleted += 1
        types = (dataset.data_type, *(d.data_type for d in dataset.derived))
        return [Deletion(data_type=t, record_id=record_id) for t in types]

    def fail_response(self, info: HResultInfo, message: str) -> None:
        """QuickBooks sent no response, only an hresult, for the whole message set.

        A message set that batched several whole-list queries failed as a whole, so the culprit
        is unknown: each of them is asked again alone before any is called failed.
        """
        batched = {f.dataset for f in self.state.in_flight.values()}
        refused = info.recovery in (Recovery.FATAL_REQUEST, Recovery.VALIDATION)
        for flight in self.state.in_flight.values():
            run = self.state.run(flight.dataset)
            if run.status != "running":
                continue
            if refused and len(batched) > 1 and not run.solo:
                run.status = "pending"
                run.solo = True
                run.message = f"{info.name} on a batched request; asking again on its own"
                continue
            run.status = _RUN_STATUS_FOR.get(info.recovery, "retry")
            run.message = f"{info.name}: {info.user_message}"
        datasets = sorted({f.dataset for f in self.state.in_flight.values()})
        self._error(
            ",".join(datasets) or None,
            None,
            f"0x{info.code:08X}",
            info.recovery,
            f"{info.user_message} {message}".strip(),
        )
        self.state.in_flight.clear()

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
            if run.status != "running":
                continue
            if culprit is not None and flight.dataset != culprit.dataset:
                run.status = "pending"
                run.message = "asked again: another answer in the same response was too large"
            elif culprit is None and len(batched) > 1 and not run.solo:
                run.status = "pending"
                run.solo = True
                run.message = "a record in a batched response was too large; asking again alone"
            else:
                run.status = "failed"
                run.message = message
                failed.add(run.name)
        self._error(",".join(sorted(failed)) or None, None, None, Recovery.FATAL_REQUEST, message)
        self.state.in_flight.clear()

    def end_response(self, response_bytes: int = 0, now: float | None = None) -> ResponseOutcome:
        """Close the round trip: finished datasets commit their watermarks with their rows.

        `response_bytes` (the size of the qbXML just received) lets the next page's MaxReturned
        follow the records' real size.
        """
        watermarks: dict[str, str] = {}
        self._adapt_page_size(response_bytes)
        for flight in self.state.in_flight.values():
            if flight.role != "main":
                continue
            run = self.state.run(flight.dataset)
            if run.status != "running":
                continue
            if not flight.status_seen:
                run.status = "retry"
                run.message = "QuickBooks' response had no answer to this query"
                self._error(run.name, None, None, Recovery.RETRY_NEXT_SESSION, run.message)
                continue
            exhausted = not DATASETS[run.name].iterator or not run.remaining
            if exhausted:
                run.status = "done"
                newest = _later(run.watermark, run.high_water)
                if newest is not None and newest != run.watermark:
                    watermarks[run.name] = newest
        self.state.in_flight.clear()
        if now is not None:
            self._defer_if_over_budget(now)
        done = all(r.status in FINISHED for r in self.state.runs)
        return ResponseOutcome(watermarks=watermarks, progress=self.progress(), done=done)

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
        if not hard and not any(run.status in FINISHED for run in state.runs):
            return  # every session finishes at least one dataset, or nothing would progress
        for run in state.runs:
            if run.status == "pending":
                run.status = "deferred"
                run.message = "Session time budget reached; resumes next session"
            elif hard and run.status == "running":
                run.status = "deferred"
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
        if not runs or all(r.status in FINISHED for r in runs):
            return 100
        finished = sum(1 for r in runs if r.status in FINISHED)
        return min(99, max(1, finished * 100 // len(runs)))

    def take_errors(self) -> list[SyncErrorRow]:
        errors, self._errors = self._errors, []
        return errors

    def _error(
        self,
        dataset: str | None,
        code: int | None,
        hresult: str | None,
        recovery: Recovery,
        message: str,
    ) -> None:
        self._errors.append(SyncErrorRow(dataset, code, hresult, str(recovery), message))

    def summary(self) -> Summary:
        runs = self.state.runs
        return Summary(
            records={r.name: r.records for r in runs},
            deleted={r.name: r.deleted for r in runs if r.deleted},
            round_trips=self.state.round_trips,
            statuses={r.name: r.status for r in runs},
            problems={r.name: r.message for r in runs if r.message and r.status != "done"},
        )


_RUN_STATUS_FOR: dict[Recovery, RunStatus] = {
    Recovery.RETRY_NEXT_SESSION: "retry",
    Recovery.RESTART_DATASET: "retry",
    Recovery.NOT_SUPPORTED: "not_supported",
    Recovery.VALIDATION: "failed",
    Recovery.FATAL_REQUEST: "failed",
    Recovery.PERMISSION: "failed",
}
