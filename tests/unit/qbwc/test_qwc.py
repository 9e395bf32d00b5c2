"""The .qwc file: rendering, parsing and the Web Connector's own rules."""

from __future__ import annotations

import dataclasses

import pytest

from qbdsync.errors import ConfigurationError, InvalidXML
from qbdsync.qbwc.qwc import QwcFile, parse_qwc, render_qwc

OWNER = "{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}"
FILE = "{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}"


def minimal(**changes: object) -> QwcFile:
    base = QwcFile(
        app_name="qbdsync (Acme & Co)",
        app_url="https://sync.example.com/qbwc",
        app_description="Keeps <Acme> in sync",
        app_support="https://sync.example.com/support",
        user_name="acme-7f3a",
        owner_id=OWNER,
        file_id=FILE,
        run_every_n_minutes=60,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_round_trip_minimal_and_full() -> None:
    q = minimal()
    assert parse_qwc(render_qwc(q)) == q
    full = minimal(
        app_id="abc",
        is_read_only=True,
        personal_data_pref="pdpOptional",
        unattended_mode_pref="umpRequired",
        auth_flags="0xF",
        notify=False,
        app_display_name="Acme sync",
        app_unique_name="qbdsync-acme",
        cert_url="https://sync.example.com",
        style="DocWrapped",
        run_every_n_minutes=None,
        run_every_n_seconds=90,
    )
    assert parse_qwc(render_qwc(full)) == full


def test_rendered_document_shape() -> None:
    text = render_qwc(minimal())
    assert text.startswith('<?xml version="1.0"?>\n<QBWCXML>')
    assert "<AppName>qbdsync (Acme &amp; Co)</AppName>" in text
    assert "<Scheduler><RunEveryNMinutes>60</RunEveryNMinutes></Scheduler>" in text
    assert "<IsReadOnly>false</IsReadOnly>" in text
    assert "<QBType>QBFS</QBType>" in text
    assert "<Style>Document</Style>" in text
    assert "Password" not in text
    order = [
        text.index(f"<{tag}>")
        for tag in (
            "AppName",
            "AppURL",
            "UserName",
            "OwnerID",
            "FileID",
            "QBType",
            "Scheduler",
            "IsReadOnly",
        )
    ]
    assert order == sorted(order)


def test_localhost_may_use_plain_http() -> None:
    q = minimal(app_url="http://localhost:8000/qbwc", app_support="http://localhost:8000/")
    assert parse_qwc(render_qwc(q)).app_url == "http://localhost:8000/qbwc"
    minimal(app_url="http://127.0.0.1:8000/qbwc", app_support="http://127.0.0.1/help")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"app_url": "http://sync.example.com/qbwc"}, "QBWC1051"),
        ({"app_url": "ftp://sync.example.com/qbwc"}, "QBWC1051"),
        ({"app_support": "https://elsewhere.example.org/"}, "AppSupport"),
        ({"owner_id": "57F3B9B1-86F1-4fcc-B1EE-566DE1813D20"}, "OwnerID"),
        ({"file_id": "{not-a-guid}"}, "FileID"),
        ({"app_name": " "}, "AppName"),
        ({"qb_type": "QBOL"}, "QBType"),
        ({"style": "Fancy"}, "Style"),
        ({"auth_flags": "15"}, "AuthFlags"),
        ({"run_every_n_seconds": 30}, "not both"),
        ({"run_every_n_minutes": 0}, "at least 1"),
        ({"personal_data_pref": "maybe"}, "PersonalDataPref"),
    ],
)
def test_invalid_files_are_refused(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        minimal(**changes)


def test_subdomain_support_url_is_accepted() -> None:
    minimal(app_support="https://help.sync.example.com/")


def test_parse_refuses_hostile_and_incomplete_files() -> None:
    text = render_qwc(minimal())
    with pytest.raises(InvalidXML, match="DOCTYPE"):
        parse_qwc(
            text.replace("<QBWCXML>", '<!DOCTYPE QBWCXML SYSTEM "file:///etc/passwd"><QBWCXML>')
        )
    with pytest.raises(InvalidXML):
        parse_qwc("<QBWCXML><AppName>x</QBWCXML>")
    with pytest.raises(InvalidXML, match="QBWCXML"):
        parse_qwc("<Other/>")
    with pytest.raises(ConfigurationError, match="FileID"):
        parse_qwc(text.replace(f"<FileID>{FILE}</FileID>", ""))
    with pytest.raises(ConfigurationError, match="IsReadOnly"):
        parse_qwc(text.replace("<IsReadOnly>false", "<IsReadOnly>nope"))


def test_parse_tolerates_whitespace_and_unknown_elements() -> None:
    text = render_qwc(minimal()).replace(
        f"<OwnerID>{OWNER}</OwnerID>", f"<OwnerID>\n  {OWNER}\n</OwnerID><Future>1</Future>"
    )
    assert parse_qwc(text).owner_id == OWNER
