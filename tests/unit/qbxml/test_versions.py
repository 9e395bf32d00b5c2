from __future__ import annotations

import pytest

from qbdsync.errors import NotSupported
from qbdsync.qbxml.versions import QbxmlVersion, negotiate_version, version_from_major_minor

PRO_2014 = [
    "1.0",
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "4.0",
    "4.1",
    "5.0",
    "6.0",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "13.0",
]


def test_versions_order_numerically_not_as_text() -> None:
    assert QbxmlVersion.parse("13.0") > QbxmlVersion.parse("2.1")
    assert QbxmlVersion.parse("CA3.0") == QbxmlVersion(3, 0)
    assert QbxmlVersion.parse("16") == QbxmlVersion(16, 0)
    assert sorted(map(QbxmlVersion.parse, ["10.0", "9.0", "UK2.0"])) == [
        QbxmlVersion(2, 0),
        QbxmlVersion(9, 0),
        QbxmlVersion(10, 0),
    ]


@pytest.mark.parametrize("text", ["", "v13", "13.x", "FR3.0", "1.2.3"])
def test_unreadable_versions(text: str) -> None:
    with pytest.raises(ValueError, match="not a qbXML version"):
        QbxmlVersion.parse(text)


def test_older_quickbooks_bounds_the_version() -> None:
    assert negotiate_version("16.0", PRO_2014, "US") == "13.0"


def test_newer_quickbooks_gets_our_version() -> None:
    assert negotiate_version("13.0", ["16.0"], "US") == "13.0"
    assert negotiate_version("16.0", ["17.0"], "CA") == "16.0"


def test_unreadable_entries_are_ignored() -> None:
    assert negotiate_version("16.0", ["garbage", "12.0"], "US") == "12.0"


@pytest.mark.parametrize(
    ("supported", "country", "expected"),
    [
        (["CA2.0", "CA3.0"], "CA", "CA3.0"),
        (["UK2.0"], "UK", "UK2.0"),
        (["3.0"], "ca", "CA3.0"),
        (["5.0"], "UK", "UK5.0"),
        (["6.0"], "CA", "6.0"),
        (["UK2.0", "13.0"], "UK", "13.0"),
        (["3.0"], "US", "3.0"),
    ],
)
def test_country_prefixes_before_six(supported: list[str], country: str, expected: str) -> None:
    assert negotiate_version("16.0", supported, country) == expected


def test_nothing_usable_is_not_supported() -> None:
    with pytest.raises(NotSupported):
        negotiate_version("16.0", [], "US")
    with pytest.raises(NotSupported):
        negotiate_version("16.0", ["junk"], "US")


def test_minimum_version() -> None:
    assert negotiate_version("16.0", ["13.0"], "US", minimum="13.0") == "13.0"
    with pytest.raises(NotSupported, match=r"at least 13\.0"):
        negotiate_version("16.0", ["12.0"], "US", minimum="13.0")


def test_version_from_major_minor() -> None:
    assert version_from_major_minor("13", "0") == "13.0"
    assert version_from_major_minor("16", "00") == "16.0"
    with pytest.raises(ValueError, match="not a qbXML version"):
        version_from_major_minor("x", "0")
    assert negotiate_version("16.0", [version_from_major_minor("13", "0")], "US") == "13.0"
