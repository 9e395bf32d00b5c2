"""Logs from users' PCs are read whatever they hold: encodings, line ends, cut-off and
megabyte-long lines, junk and hostile bytes never crash the doctor or fill memory; a file that
is no log at all is reported as unreadable."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from qbdsync.doctor.analysis import analyse
from qbdsync.doctor.rendering import render_text, report_json
from qbdsync.errors import UnreadableLog

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"
_NVU = (LOGS / "nvu.txt").read_text(encoding="utf-8")


def _keys(path: Path) -> list[str]:
    return [f.entry.key for f in analyse([path]).findings]


@pytest.mark.parametrize("how", ["missing", "folder", "empty", "junk", "blank lines"])
def test_what_is_no_log_is_unreadable(tmp_path: Path, how: str) -> None:
    path = tmp_path / "QWCLog.txt"
    if how == "folder":
        path.mkdir()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "junk":
        path.write_bytes(random.Random(7).randbytes(200_000))
    elif how == "blank lines":
        path.write_bytes(b"\r\n" * 1000)
    with pytest.raises(UnreadableLog):
        analyse([path])


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n"])
def test_any_line_ending(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "QWCLog.txt"
    path.write_bytes(ending.join(_NVU.splitlines()).encode())
    assert _keys(path) == ["invalid-user"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_encodings_with_and_without_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "QWCLog.txt"
    path.write_bytes(("Caf\u00e9 \u00e0 la carte\n" + _NVU).encode(encoding))
    assert _keys(path) == ["invalid-user"]
    assert analyse([path]).files[0].undecodable is (encoding == "cp1252")


def test_a_huge_line_without_a_newline_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "QWCLog.txt"
    with path.open("wb") as out:
        out.write(_NVU.encode())
        out.write(b"20261130.15:00:00 UTC : X.y() : XML dump follows: -\n<QBXML>")
        block = b"<Name>" + b"A" * 1018 + b"</Name>"
        for _ in range(20 * 1024):  # 20 MB on one line
            out.write(block)
    tracemalloc.start()
    try:
        report = analyse([path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.entry.key for f in report.findings] == ["invalid-user"]
    assert report.files[0].unterminated_last_line
    assert peak < 8 * 1024 * 1024, peak


def test_nul_bytes_bad_stamps_and_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "QWCLog.txt"
    path.write_bytes(
        b"\x00\x00garbage before the first record\n"
        b"20261399.99:99:99 UTC : X.y() : QBWC1042: ReceiveResponseXML failed\x1b[31m\xe2\x80\xae\n"
        b'20261130.10:00:00 UTC : X.y() : hresult="0x80040414" \x00\x07 text\n'
    )
    report = analyse([path])
    by_key = {f.entry.key: f for f in report.findings}
    assert set(by_key) == {"qbwc-response-not-xml", "modal-dialog-open"}
    assert by_key["qbwc-response-not-xml"].first is None  # a stamp that is no real time
    text = render_text(report)
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    assert report_json(report)["findings"][0]["samples"]


def test_random_damage_never_crashes(tmp_path: Path) -> None:
    source = (LOGS / "noisy.txt").read_bytes()[:20_000]
    rng = random.Random(16)
    path = tmp_path / "QWCLog.txt"
    for _ in range(150):
        damaged = bytearray(source)
        for _ in range(rng.randint(1, 40)):
            at = rng.randrange(len(damaged))
            damaged[at : at + rng.randint(0, 8)] = rng.randbytes(rng.randint(0, 8))
        path.write_bytes(bytes(damaged[: rng.randint(1, len(damaged))]))
        try:
            report = analyse([path])
        except UnreadableLog:
            continue
        render_text(report)
        report_json(report)


def test_long_continuations_are_capped(tmp_path: Path) -> None:
    path = tmp_path / "QWCLog.txt"
    lines = ["20261130.10:00:00 UTC : X.y() : XML dump follows: -"]
    lines += [f'<Rs statusCode="0">{n}</Rs>' for n in range(100_000)]
    lines.append('<Rs statusCode="3175" statusSeverity="Error">late, beyond the cap</Rs>')
    lines.append('20261130.10:00:01 UTC : X.y() : <Rs statusCode="3175" statusSeverity="Error">')
    path.write_text("\n".join(lines) + "\n")
    report = analyse([path])
    (finding,) = report.findings
    assert finding.entry.key == "status-record-in-use" and finding.samples[0].line == len(lines)
