from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.qbxml.values import (
    QbTimestamp,
    offset_seconds,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_timestamp,
    wall_minus,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-12.50", "-12.50"),
        ("1234", "1234"),
        ("0.00", "0.00"),
        (".5", "0.5"),
        ("+3.1", "3.1"),
        ("100.", "100"),
    ],
)
def test_decimals_convert_exactly(text: str, expected: str) -> None:
    value = parse_decimal(text, "Amount")
    assert value == Decimal(expected)
    assert str(parse_decimal("-12.50", "Amount")) == "-12.50"


@pytest.mark.parametrize(
    "text", ["7038,20", "1,234.00", "", " ", " 1.0", "NaN", "Infinity", "1e5", "1.2.3", "-", "."]
)
def test_decimals_that_are_not_exact_are_refused_naming_field_and_value(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_decimal(text, "Subtotal")
    assert "Subtotal" in str(caught.value)
    assert repr(text) in str(caught.value)


def test_ints() -> None:
    assert parse_int("42", "TxnNumber") == 42
    assert parse_int("-7", "TxnNumber") == -7
    for bad in ["4.0", "", "1,000", "x"]:
        with pytest.raises(InvalidValue, match="TxnNumber"):
            parse_int(bad, "TxnNumber")


def test_bools_are_only_true_and_false() -> None:
    assert parse_bool("true", "IsActive") is True
    assert parse_bool("false", "IsActive") is False
    for bad in ["True", "1", "", "yes"]:
        with pytest.raises(InvalidValue, match="IsActive"):
            parse_bool(bad, "IsActive")


def test_dates() -> None:
    assert parse_date("2021-06-06", "TxnDate") == date(2021, 6, 6)
    for bad in ["2021-02-30", "06/06/2021", "2021-6-6", "", "2021-06-06T00:00:00"]:
        with pytest.raises(InvalidValue, match="TxnDate"):
            parse_date(bad, "TxnDate")


def test_timestamps_keep_their_text() -> None:
    stamp = parse_timestamp("2015-11-04T14:39:03-08:00")
    assert stamp == QbTimestamp(wall="2015-11-04T14:39:03", offset="-08:00")
    assert stamp.text == "2015-11-04T14:39:03-08:00"
    assert parse_timestamp("2015-11-04T14:39:03").text == "2015-11-04T14:39:03"


def test_utc_display_form() -> None:
    assert parse_timestamp("2015-11-04T14:39:03-08:00").to_utc_iso() == "2015-11-04T22:39:03Z"
    assert parse_timestamp("2015-11-04T00:30:00+05:30").to_utc_iso() == "2015-11-03T19:00:00Z"
    assert parse_timestamp("2015-11-04T14:39:03").to_utc_iso() == "2015-11-04T14:39:03Z"


def test_timestamps_compare_by_wall_clock_only() -> None:
    # An April time stamped with a winter offset: the wall-clock order is the true order.
    earlier = parse_timestamp("2021-04-01T10:00:00-07:00")
    later = parse_timestamp("2021-04-01T10:30:00-08:00")
    assert earlier < later
    assert parse_timestamp("2021-04-01T10:00:00-07:00") == parse_timestamp(
        "2021-04-01T10:00:00-08:00"
    )
    assert max([later, earlier]) is later


@pytest.mark.parametrize(
    "bad", ["", "2015-11-04", "2015-11-04 14:39:03", "2015-13-04T14:39:03", "2015-11-04T14:39:03+8"]
)
def test_unreadable_timestamps(bad: str) -> None:
    with pytest.raises(InvalidValue, match="TimeModified"):
        parse_timestamp(bad, "TimeModified")


def test_wall_minus_crosses_days_without_time_zones() -> None:
    assert wall_minus("2021-03-01T00:00:30", 60) == "2021-02-28T23:59:30"
    assert wall_minus("2021-03-14T03:00:00", 3600) == "2021-03-14T02:00:00"
    with pytest.raises(InvalidValue):
        wall_minus("2021-03-01T00:00:30-08:00", 60)


@pytest.mark.parametrize("offset", ["+99:59", "+14:01", "-15:00", "-08:60"])
def test_offsets_beyond_14_hours_are_no_time_zone(offset: str) -> None:
    with pytest.raises(InvalidValue):
        parse_timestamp(f"2026-01-01T00:00:00{offset}")
    with pytest.raises(InvalidValue):
        offset_seconds(offset)


@pytest.mark.parametrize("offset", ["+14:00", "-14:00", "-13:59", "+05:45"])
def test_every_real_offset_is_read(offset: str) -> None:
    assert parse_timestamp(f"2026-01-01T00:00:00{offset}").offset == offset
