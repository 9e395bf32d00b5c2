from __future__ import annotations

import pytest

from qbdsync.qbxml.status import HResultInfo, Recovery, classify_status, describe_hresult


@pytest.mark.parametrize(
    ("code", "severity", "message", "expected"),
    [
        (0, "Info", "Status OK", Recovery.OK),
        (1, "Info", "A query request did not find a matching object", Recovery.EMPTY),
        (500, "Warn", "not fully completed", Recovery.KEEP_WARN),
        (501, "Warn", "", Recovery.KEEP_WARN),
        (510, "Warn", "", Recovery.KEEP_WARN),
        (530, "Warn", "", Recovery.KEEP_WARN),
        (531, "Warn", "", Recovery.KEEP_WARN),
        (550, "Warn", "", Recovery.KEEP_WARN),
        (999, "Warn", "", Recovery.KEEP_WARN),
        (1000, "Error", "internal error", Recovery.RETRY_NEXT_SESSION),
        (3170, "Error", "modified by another user", Recovery.RETRY_NEXT_SESSION),
        (3175, "Error", "in use", Recovery.RETRY_NEXT_SESSION),
        (3176, "Error", "could not lock", Recovery.RETRY_NEXT_SESSION),
        (3180, "Error", "The record is in use by another user.", Recovery.RETRY_NEXT_SESSION),
        (3180, "Error", "Error saving: the list is LOCKED", Recovery.RETRY_NEXT_SESSION),
        (3180, "Error", "The credit limit has been exceeded.", Recovery.VALIDATION),
        (3391, "Error", 'The iteratorID "{x}" is not valid.', Recovery.RESTART_DATASET),
        (3250, "Error", "feature not enabled", Recovery.NOT_SUPPORTED),
        (3000, "Error", "", Recovery.VALIDATION),
        (3100, "Error", "name in use", Recovery.NAME_IN_USE),
        (3120, "Error", "", Recovery.VALIDATION),
        (3140, "Error", "", Recovery.VALIDATION),
        (3171, "Error", "", Recovery.CLOSED_PERIOD),
        (3200, "Error", "", Recovery.REREAD_AND_RETRY),
        (3210, "Error", "", Recovery.VALIDATION),
        (3260, "Error", "", Recovery.PERMISSION),
        (3261, "Error", "", Recovery.PERMISSION),
        (3150, "Error", "missing element", Recovery.FATAL_REQUEST),
        (3999, "Error", "", Recovery.FATAL_REQUEST),
        (9001, "Error", "", Recovery.FATAL_REQUEST),
    ],
)
def test_classify_status(code: int, severity: str, message: str, expected: Recovery) -> None:
    assert classify_status(code, severity, message) is expected


def test_a_word_containing_lock_is_not_a_lock() -> None:
    assert classify_status(3180, "Error", "Blocked by the credit limit") is Recovery.VALIDATION


@pytest.mark.parametrize(
    "form",
    [
        "0x80040400",
        "0X80040400",
        "80040400",
        "-2147220480",
        0x80040400,
        -2147220480,
        " 0x80040400 ",
    ],
)
def test_hresult_forms_are_the_same_code(form: str | int) -> None:
    info = describe_hresult(form)
    assert info.code == 0x80040400
    assert info.hex == "0x80040400"
    assert info.recovery is Recovery.FATAL_REQUEST
    assert info.user_message.startswith("QuickBooks could not parse the request qbdsync sent")


def test_signed_com_error_for_cannot_start() -> None:
    assert describe_hresult(-2147220472).code == 0x80040408


@pytest.mark.parametrize(
    ("code", "recovery"),
    [
        (0x80040401, Recovery.RETRY_NEXT_SESSION),
        (0x80040402, Recovery.RETRY_NEXT_SESSION),
        (0x80040408, Recovery.RETRY_NEXT_SESSION),
        (0x8004040A, Recovery.RETRY_NEXT_SESSION),
        (0x8004040D, Recovery.RETRY_NEXT_SESSION),
        (0x80040410, Recovery.RETRY_NEXT_SESSION),
        (0x80040414, Recovery.RETRY_NEXT_SESSION),
        (0x80040416, Recovery.RETRY_NEXT_SESSION),
        (0x80040418, Recovery.PERMISSION),
        (0x8004041A, Recovery.PERMISSION),
        (0x8004041B, Recovery.RETRY_NEXT_SESSION),
        (0x8004041C, Recovery.RETRY_NEXT_SESSION),
        (0x8004041D, Recovery.RETRY_NEXT_SESSION),
        (0x8004041E, Recovery.RETRY_NEXT_SESSION),
        (0x8004041F, Recovery.RETRY_NEXT_SESSION),
        (0x80040420, Recovery.PERMISSION),
        (0x80040422, Recovery.RETRY_NEXT_SESSION),
        (0x80040423, Recovery.FATAL_REQUEST),
        (0x80040424, Recovery.RETRY_NEXT_SESSION),
        (0x80040427, Recovery.RETRY_NEXT_SESSION),
        (0x8004042A, Recovery.RETRY_NEXT_SESSION),
        (0x8004042C, Recovery.RETRY_NEXT_SESSION),
    ],
)
def test_every_documented_hresult_has_plain_steps(code: int, recovery: Recovery) -> None:
    info = describe_hresult(code)
    assert info.recovery is recovery
    assert info.name != "unknown_hresult"
    assert len(info.user_message) > 30
    assert "0x" not in info.user_message  # plain words, not codes


def test_modal_dialog_tells_the_user_what_to_close() -> None:
    assert "dialog" in describe_hresult("0x80040414").user_message


def test_unknown_hresult_is_a_generic_retry_naming_the_code() -> None:
    info = describe_hresult("0x80049999")
    assert info == HResultInfo(
        code=0x80049999,
        name="unknown_hresult",
        user_message=info.user_message,
        recovery=Recovery.RETRY_NEXT_SESSION,
    )
    assert "0x80049999" in info.user_message


@pytest.mark.parametrize("junk", ["", "hello", "0xZZ", "99999999999999"])
def test_unreadable_hresult_is_a_generic_retry(junk: str) -> None:
    info = describe_hresult(junk)
    assert info.recovery is Recovery.RETRY_NEXT_SESSION
    assert repr(junk) in info.user_message
