"""Planning is a pure function: pull operations and settings in, datasets and changes out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from qbdsync.session.planning import plan_session, scheduled_types
from qbdsync.store.sync_settings import built_in_defaults
from tests.unit.session.pulls import NOW, pull

SETTINGS = built_in_defaults()


def test_queued_pulls_become_fetching_and_their_datasets_run_in_sync_order() -> None:
    plan = plan_session(
        [pull("invoices"), pull("customers"), pull("accounts")],
        SETTINGS,
        session_key="s1",
        now=NOW,
    )
    assert plan.datasets == ["accounts", "customers", "invoices"]
    assert {c.pull_id: c.values["status"] for c in plan.changes} == {
        "pull-invoices": "Fetching",
        "pull-customers": "Fetching",
        "pull-accounts": "Fetching",
    }
    assert all(c.values["ticket"] == "s1" for c in plan.changes)
    assert plan.history == {}


def test_a_company_pull_completes_at_once_and_asks_for_nothing() -> None:
    plan = plan_session([pull("company")], SETTINGS, session_key="s1", now=NOW)
    assert plan.datasets == []
    (change,) = plan.changes
    assert change.values["status"] == "Complete"
    assert change.values["completed"] == NOW
    assert change.values["records"] == 1


def test_datasets_every_asker_finished_in_an_earlier_session_are_skipped() -> None:
    # accountTransactions and bankTransactions share eight datasets; both did "payments".
    done = ["payments", "checks"]
    plan = plan_session(
        [
            pull("accountTransactions", datasets_done=done),
            pull("bankTransactions", datasets_done=["payments"]),
        ],
        SETTINGS,
        session_key="s1",
        now=NOW,
    )
    assert "payments" not in plan.datasets  # every asker has it
    assert "checks" in plan.datasets  # bankTransactions still wants it
    assert "transfers" in plan.datasets


def test_a_history_limit_becomes_the_first_date_to_read() -> None:
    settings = dict(SETTINGS)
    settings["invoices"] = replace(settings["invoices"], months_to_sync=3)
    plan = plan_session([pull("invoices")], settings, session_key="s1", now=NOW)
    assert plan.history == {"invoices": "2024-02-01"}


def test_scheduled_types_are_those_whose_refresh_came_and_never_derived_ones() -> None:
    last = {
        "customers": NOW - timedelta(hours=25),  # every 24 h: due
        "invoices": NOW - timedelta(hours=1),  # not yet
        "bankAccounts": NOW - timedelta(days=30),  # derived: rides on accounts
    }
    assert scheduled_types(SETTINGS, last, NOW) == ["customers"]
    # A type never synced waits for a queue, however long ago anything else ran.
    assert "suppliers" not in scheduled_types(SETTINGS, last, NOW + timedelta(days=365))
