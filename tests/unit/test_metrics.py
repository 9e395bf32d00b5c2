"""qbdsync.metrics: labels from bounded sets only, whatever a client or QuickBooks sends; the
process's metrics in memory until a directory is configured."""

from __future__ import annotations

from prometheus_client import generate_latest

from qbdsync import metrics


def test_poll_answers_map_to_four_labels() -> None:
    polls = metrics.current().polls
    before = {a: polls.labels(a)._value.get() for a in ("idle", "work", "busy", "auth_failed")}
    for answer in ("none", "", "busy", "nvu", r"C:\Company Files\Acme.qbw"):
        metrics.count_poll(answer)
    after = {a: polls.labels(a)._value.get() for a in before}
    assert {a: after[a] - before[a] for a in after} == {
        "idle": 1,
        "work": 2,  # "" and a company file: both start a session
        "busy": 1,
        "auth_failed": 1,
    }


def test_quickbooks_codes_are_bounded() -> None:
    assert metrics.status_code_label(3175) == "3175"
    assert metrics.status_code_label(0) == "other"
    assert metrics.status_code_label(10_000_000) == "other"
    assert metrics.hresult_label("0x80040408") == "0x80040408"
    assert metrics.hresult_label("-2147220472") == "0x80040408"  # the signed COM form
    assert metrics.hresult_label("0x8BADF00D") == "other"  # unknown to qbdsync
    assert metrics.hresult_label("' OR 1=1 --") == "other"


def test_routes_and_methods_are_bounded() -> None:
    m = metrics.current()
    m.request("BREW", "unmatched", 418, 0.001)
    m.request("GET", "/healthz", 200, 0.002)
    text = generate_latest(m.registry).decode()
    assert 'method="OTHER",route="unmatched",status="4xx"' in text
    assert 'method="GET",route="/healthz",status="2xx"' in text
    assert "BREW" not in text


def test_in_memory_until_configured() -> None:
    assert metrics.directory() is None  # tests run in one process
    assert metrics.configure(None) is metrics.current()
