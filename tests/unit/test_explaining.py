"""Problems explained for people: the catalogue first, qbdsync's own words for an hresult, the
recorded message otherwise; recoveries in words, never their enum names."""

from __future__ import annotations

from qbdsync.diagnosis.catalogue import entry, explain
from qbdsync.diagnosis.explanation import Actor
from qbdsync.explaining import explain_problem, explained_json, next_step
from qbdsync.qbxml.status import Recovery, describe_hresult


def test_every_recovery_has_words_and_no_enum_name() -> None:
    for recovery in Recovery:
        words = next_step(recovery)
        assert words.endswith(".") and "_" not in words and recovery.value not in words


def test_a_catalogue_entry_explains_its_code() -> None:
    unanswered = entry("health-check-unanswered")
    explained = explain_problem("qbdsync:health-check-unanswered", "recorded")
    assert explained.from_catalogue
    assert (explained.user_message, explained.fix_steps, explained.who_acts) == (
        unanswered.user_message,
        unanswered.fix_steps,
        unanswered.who_acts,
    )
    shown = explained_json(explained, "recorded")
    assert shown["detail"] == "recorded" and shown["whoActs"] == "smbUser"
    assert shown["fixSteps"] == list(unanswered.fix_steps)


def test_an_hresult_in_any_spelling_is_explained_by_the_catalogue_or_qbdsyncs_words() -> None:
    for spelling in ("0x80040408", "0X80040408", "-2147220472", 2147746824):
        explained = explain_problem(spelling, "Could not start QuickBooks.")
        assert explained.code == "0x80040408"
        found = explain("0x80040408")
        if found is None:
            info = describe_hresult("0x80040408")
            assert explained.user_message == info.user_message
            assert explained.who_acts is Actor.SMB_USER
            assert explained.can_be_retried is (info.recovery is Recovery.RETRY_NEXT_SESSION)
        else:
            assert explained.user_message == found.user_message
    ours = explain_problem("0x80040400", "")  # our request at fault: the operator's
    if not ours.from_catalogue:
        assert ours.who_acts is Actor.OPERATOR and not ours.can_be_retried


def test_without_an_entry_the_recorded_message_and_the_recovery_speak() -> None:
    locked = explain_problem("qbdsync:no-such-code", "It is in use.", Recovery.RETRY_NEXT_SESSION)
    assert not locked.from_catalogue
    assert (locked.user_message, locked.can_be_retried, locked.who_acts) == (
        "It is in use.",
        True,
        Actor.NOBODY,
    )
    bug = explain_problem(None, "A bad request.", Recovery.FATAL_REQUEST)
    assert (bug.code, bug.who_acts, bug.can_be_retried) == (None, Actor.OPERATOR, False)
    told = explain_problem("qbdsync:no-such-code", "x", otherwise=(Actor.OPERATOR, False))
    assert (told.who_acts, told.can_be_retried) == (Actor.OPERATOR, False)
    unknown = explain_problem("", "Something.")
    assert (unknown.code, unknown.who_acts, unknown.user_message) == (None, None, "Something.")
