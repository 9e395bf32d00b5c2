"""The catalogue and the references stay in step: every QBWC code of qbwc.md and every hresult
and qbXML status code of qbxml.md has an entry, and every entry is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qbdsync.diagnosis.catalogue import ENTRIES, entry, explain, for_code, web_connector_text
from qbdsync.diagnosis.explanation import normalise_code


def _reference(name: str) -> str:
    """The shared reference file (../shared/reference from a checkout, looked for upwards)."""
    for folder in Path(__file__).resolve().parents:
        found = folder / "shared" / "reference" / name
        if found.is_file():
            return found.read_text(encoding="utf-8")
    pytest.skip(f"shared/reference/{name} is not next to this checkout")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end >= 0 else len(text)]


def _qbwc_codes() -> set[str]:
    return set(re.findall(r"QBWC\d{4}", _reference("qbwc.md")))


def _hresults() -> set[str]:
    return {normalise_code(h) for h in re.findall(r"0x8004[0-9A-Fa-f]{4}", _reference("qbxml.md"))}


def _status_codes() -> set[str]:
    text = _reference("qbxml.md")
    table = _section(text, "## Status codes")
    codes = set()
    for row in re.findall(r"^\| *([0-9/]+) *\|", table, re.M):
        codes.update(row.split("/"))
    # The message set status codes of error recovery, in the Writes section.
    writes = _section(text, "## Writes")
    recovery = writes[writes.index("messageSetStatusCode") :]
    codes.update(re.findall(r"\b(\d{3,4}) [a-z]", recovery))
    return codes


def test_the_reference_parsers_find_codes() -> None:
    assert {"QBWC1012", "QBWC1039", "QBWC1051"} <= _qbwc_codes()
    assert len(_hresults()) >= 20 and "0x8004042C" in _hresults()
    assert {"0", "1", "531", "3175", "3176", "3391", "600", "9005"} <= _status_codes()


@pytest.mark.parametrize("source", [_qbwc_codes, _hresults, _status_codes])
def test_every_documented_code_has_an_entry(source: object) -> None:
    assert callable(source)
    missing = sorted(code for code in source() if explain(code) is None)
    assert not missing, f"no catalogue entry for {missing}"


def test_codes_and_keys_are_unique_and_normalised() -> None:
    codes = [c for e in ENTRIES for c in e.codes]
    keys = [e.key for e in ENTRIES]
    assert len(codes) == len(set(codes)), "a code in two entries"
    assert len(keys) == len(set(keys)), "a key used twice"
    assert all(normalise_code(c) == c for c in codes)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)


def test_every_entry_is_complete_and_plain() -> None:
    for e in ENTRIES:
        assert e.codes and e.title and e.operator_detail, e.key
        assert len(e.user_message) > 20 and e.user_message.endswith("."), e.key
        # The SMB user's words carry no codes: those are the operator's.
        assert not re.search(r"0x[0-9A-F]|QBWC\d|qbdsync:|_", e.user_message), e.key
        assert all(step.endswith(".") for step in e.fix_steps), e.key
        assert all(entry(k) for k in e.see_also)


def test_any_spelling_of_a_code_finds_its_entry() -> None:
    for spelling in ("0x8004041d", "-2147220451", "0X8004041D", 0x8004041D):
        assert explain(spelling) is entry("access-not-always")
    assert explain("qbwc1012") is entry("qbwc-authentication-failed")
    assert explain(3176) is explain("3175") is entry("status-record-in-use")
    assert explain("nvu") is entry("invalid-user")


def test_the_web_connector_text_puts_the_facts_first_then_the_catalogue() -> None:
    found = for_code("qbdsync:paused")
    text = web_connector_text("qbdsync:paused", "Paused until 2026-12-01 10:00 UTC.")
    assert text.startswith("Paused until 2026-12-01 10:00 UTC. " + found.user_message)
    assert all(step in text for step in found.fix_steps)
    with pytest.raises(KeyError):
        for_code("qbdsync:no-such-code")
