"""Settling is a pure function: the engine's runs in, what each pull operation becomes out."""

from __future__ import annotations

from qbdsync.session.pulls import applied, still_active
from qbdsync.session.settling import settle_pulls
from qbdsync.sync.state import DatasetRun, RunStatus
from tests.unit.session.pulls import NOW, pull


def _runs(**statuses: RunStatus) -> dict[str, DatasetRun]:
    return {name: DatasetRun(name=name, status=s, records=7) for name, s in statuses.items()}


def test_a_pull_whose_datasets_are_done_completes_with_their_records() -> None:
    pulls = [pull("customers", status="Fetching", ticket="s1")]
    (change,) = settle_pulls(
        pulls, _runs(customers="done"), session_key="s1", max_attempts=3, now=NOW
    )
    assert change.values["status"] == "Complete"
    assert change.values["records"] == 7
    assert change.values["completed"] == NOW
    assert still_active(applied(pulls, [change])) == []


def test_a_pull_still_running_only_remembers_the_datasets_it_finished() -> None:
    pulls = [pull("billPayments", status="Fetching", ticket="s1")]
    (change,) = settle_pulls(
        pulls,
        _runs(billPaymentChecks="done", billPaymentCards="running"),
        session_key="s1",
        max_attempts=3,
        now=NOW,
    )
    assert dict(change.values) == {"datasets_done": ["billPaymentChecks"]}


def test_a_transient_failure_queues_the_pull_again_and_counts_an_attempt() -> None:
    pulls = [pull("customers", status="Fetching", ticket="s1", attempts=1)]
    (change,) = settle_pulls(
        pulls, _runs(customers="retry"), session_key="s1", max_attempts=3, now=NOW
    )
    assert change.values["status"] == "Queued"
    assert change.values["attempts"] == 2
    assert change.values["ticket"] is None
    (again,) = settle_pulls(
        [pull("customers", status="Fetching", ticket="s1", attempts=2)],
        _runs(customers="retry"),
        session_key="s1",
        max_attempts=3,
        now=NOW,
    )
    assert again.values["status"] == "FetchError"  # out of attempts


def test_a_deferred_pull_continues_next_session_without_using_an_attempt() -> None:
    (change,) = settle_pulls(
        [pull("customers", status="Fetching", ticket="s1")],
        _runs(customers="deferred"),
        session_key="s1",
        max_attempts=3,
        now=NOW,
    )
    assert change.values["status"] == "Queued"
    assert change.values["attempts"] == 0


def test_pulls_of_other_sessions_and_queued_ones_are_left_alone() -> None:
    pulls = [
        pull("customers", status="Fetching", ticket="another"),
        pull("suppliers", status="Queued"),
    ]
    runs = _runs(customers="done", suppliers="done")
    assert settle_pulls(pulls, runs, session_key="s1", max_attempts=3, now=NOW) == []
    assert still_active(pulls) == pulls
