"""The process's Prometheus counters and histograms (prometheus_client), and their storage.

Counting is a function call from the code that knows what happened (a poll's answer, a session's
end, a batch of records, a QuickBooks error, a webhook attempt, an HTTP request). The gauges
read from the database at scrape time (push queue, webhook backlog) are the API's
(`qbdsync.api.metrics`), which also serves `/metrics`.

Storage: one process (the embedded default, tests) keeps its values in memory. A server with
several worker processes keeps them in prometheus_client's multiprocess mode: each worker
writes its values to memory-mapped files in one directory the server owns (QBDSYNC_METRICS_DIR,
made and emptied by `qbdsync serve`), and a scrape answered by any worker adds up every
worker's files, those of workers that have exited included, so counters never go backwards when
a worker is restarted. `configure` chooses, once per process, before anything is counted.

Labels: only values from small fixed sets or bounded by construction (data types, QuickBooks
status codes and known HRESULTs, route templates). Nothing a client chooses freely becomes a
label, and nothing secret or identifying (no ids, user names, paths with ids) ever does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, values
from prometheus_client.multiprocess import mark_process_dead

from qbdsync.qbxml.status import describe_hresult

# prometheus_client's multiprocess mode reads this variable while it creates a value's file.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The files prometheus_client writes in it (counter_PID.db, histogram_PID.db, …).
STORE_FILE_GLOB = "*_*.db"

POLL_ANSWERS = {"none": "idle", "": "work", "busy": "busy", "nvu": "auth_failed"}
# Any other answer to authenticate is a company file path: work, in that file.
OTHER_POLL_ANSWER = "work"
SESSION_OUTCOMES = ("completed", "failed", "ended")
WEBHOOK_RESULTS = ("succeeded", "retrying", "failed")
# A QuickBooks error code outside what QuickBooks documents, or an unknown HRESULT.
OTHER_CODE = "other"
# QuickBooks' status codes are small positive numbers (1 … 9999).
_MAX_STATUS_CODE = 9999
# HTTP methods labelled as they are; anything else counts as OTHER_METHOD.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"
# Request durations, in seconds: idle polls take a millisecond, a page of records seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """The counters and histograms of one process, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.polls = Counter(
            "qbdsync_polls",
            "Web Connector authenticate calls by answer: idle (nothing to do), work (a session "
            "starts), busy (another session holds the connection), auth_failed.",
            ["answer"],
            registry=registry,
        )
        self.sessions = Counter(
            "qbdsync_sessions",
            "Sync sessions ended, by outcome: completed, failed, ended (stopped early at a "
            "clean point: paused, unlinked, abandoned, time budget).",
            ["outcome"],
            registry=registry,
        )
        self.records = Counter(
            "qbdsync_records_ingested",
            "Records read from QuickBooks and stored, by data type.",
            ["data_type"],
            registry=registry,
        )
        self.quickbooks_errors = Counter(
            "qbdsync_quickbooks_errors",
            "Errors QuickBooks reported: kind=status (a qbXML statusCode) or kind=hresult "
            "(receiveResponseXML or connectionError), by code ('other' when unknown).",
            ["kind", "code"],
            registry=registry,
        )
        self.webhook_attempts = Counter(
            "qbdsync_webhook_attempts",
            "Webhook delivery attempts by result: succeeded, retrying (failed, tried again "
            "later), failed (the last attempt failed: given up).",
            ["result"],
            registry=registry,
        )
        self.http = Histogram(
            "qbdsync_http_request_duration_seconds",
            "HTTP request durations by method, route template and status class.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Labelled children are looked up once: .labels() takes a lock and builds a tuple.
        self._polls = {answer: self.polls.labels(answer) for answer in POLL_ANSWERS.values()}
        self._sessions = {outcome: self.sessions.labels(outcome) for outcome in SESSION_OUTCOMES}
        self._http: dict[tuple[str, str, int], Histogram] = {}

    def poll(self, answer: str) -> None:
        self._polls[POLL_ANSWERS.get(answer, OTHER_POLL_ANSWER)].inc()

    def session(self, outcome: str) -> None:
        self._sessions[outcome].inc()

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._http.get(key)
        if child is None:
            if method not in HTTP_METHODS:  # the cache stays as bounded as the labels
                key = (OTHER_METHOD, route, status)
            child = self._http.get(key) or self.http.labels(*key[:2], f"{status // 100}xx")
            self._http[key] = child
        child.observe(seconds)


_lock = threading.Lock()
_current: Metrics | None = None
_directory: Path | None = None


def configure(directory: Path | None) -> Metrics:
    """This process's metrics: in memory, or in `directory` shared with the other workers.

    Called by a server worker before it serves (from its settings); a process that never calls
    it counts in memory. Metrics are per process, so a second call changes nothing unless the
    first was implicit (nothing configured yet) and asked for memory.
    """
    global _current, _directory
    with _lock:
        if _current is not None and (directory is None or _directory == directory):
            return _current
        if directory is not None:
            # Every value made from now on lives in this worker's files there.
            os.environ[MULTIPROC_ENV] = str(directory)
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
        else:
            values.ValueClass = values.MutexValue
        _current, _directory = Metrics(CollectorRegistry(auto_describe=True)), directory
        return _current


def current() -> Metrics:
    """The process's metrics (configured in memory when nothing was configured)."""
    return _current if _current is not None else configure(None)


def directory() -> Path | None:
    """The multiprocess directory this process writes to (None: in memory)."""
    return _directory


def worker_exiting() -> None:
    """Mark this worker's files as those of a dead process (prometheus_client's rule for
    gauges of live processes; counters and histograms are kept and still added up)."""
    if _directory is not None:
        mark_process_dead(os.getpid(), str(_directory))  # type: ignore[no-untyped-call]


def empty_directory(path: Path) -> None:
    """Make `path` and remove what an earlier server left in it (prometheus_client's files
    only: it may be a directory the operator chose)."""
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob(STORE_FILE_GLOB):
        old.unlink(missing_ok=True)


# -- what the rest of qbdsync calls ------------------------------------------------------------


def count_poll(answer: str) -> None:
    """authenticate answered `answer` ("none", "", "busy", "nvu" or a company file)."""
    current().poll(answer)


def count_session(outcome: str) -> None:
    """A session ended: completed, failed or ended (early, at a clean point)."""
    current().session(outcome)


def count_records(data_types: Iterable[str]) -> None:
    """Records stored, one data type per record."""
    counts: dict[str, int] = {}
    for data_type in data_types:
        counts[data_type] = counts.get(data_type, 0) + 1
    records = current().records
    for data_type, count in counts.items():
        records.labels(data_type).inc(count)


def status_code_label(code: int) -> str:
    return str(code) if 0 < code <= _MAX_STATUS_CODE else OTHER_CODE


def hresult_label(hresult: str) -> str:
    """A known HRESULT as QuickBooks prints it (0x80040408); any other is 'other'."""
    info = describe_hresult(hresult)
    return info.hex if info.name not in ("unknown_hresult", "unreadable_hresult") else OTHER_CODE


def count_quickbooks_error(*, status_code: int | None = None, hresult: str | None = None) -> None:
    """QuickBooks reported an error: a qbXML status code, or an HRESULT."""
    errors = current().quickbooks_errors
    if status_code is not None:
        errors.labels("status", status_code_label(status_code)).inc()
    elif hresult:
        errors.labels("hresult", hresult_label(hresult)).inc()


def count_webhook_attempt(result: str) -> None:
    """A webhook delivery attempt: succeeded, retrying or failed."""
    current().webhook_attempts.labels(result).inc()
