"""Reading a log file line by line, whatever it holds, in bounded memory.

Logs come from users' PCs: CRLF or LF line ends, a last line cut off when the Web Connector
was killed, bytes that are not UTF-8 (an ANSI code page), sometimes UTF-16 with a byte-order
mark, and XML dumps with megabyte-long lines. The file is never read whole: each physical line
arrives in pieces of at most `MAX_PIECE` characters, and undecodable bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

from qbdsync.errors import UnreadableLog

# Longer physical lines (a whole response on one line) arrive in pieces of this many characters.
MAX_PIECE: Final = 16 * 1024
_REPLACEMENT: Final = "\ufffd"


@dataclass(frozen=True, slots=True)
class Piece:
    """A physical line, or a piece of one that was longer than `MAX_PIECE`."""

    number: int  # the physical line's number, from 1
    text: str  # without its line end
    continued: bool  # a later piece of a physical line whose start came before


@dataclass(slots=True)
class ReadStats:
    """What reading a file found about the file itself."""

    lines: int = 0
    undecodable: bool = False  # some bytes were not in the file's encoding (shown as U+FFFD)
    unterminated_last_line: bool = False  # the file ends mid-line (cut off while writing)
    encoding: str = field(default="utf-8")


def _encoding(head: bytes) -> str:
    """The encoding a byte-order mark names; UTF-8 otherwise (invalid bytes are replaced)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _byte_lines(raw: BinaryIO, stats: ReadStats) -> Generator[tuple[str, bool], None, None]:
    """UTF-8 (or anything else: invalid bytes are replaced) read as bytes, the fast way."""
    first = True
    while True:
        try:
            data = raw.readline(MAX_PIECE)
        except OSError as exc:
            raise UnreadableLog(f"reading failed ({exc.strerror or exc})") from exc
        if not data:
            return
        if first and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        first = False
        ended = data.endswith(b"\n")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # an ANSI code page, or junk (rarely: a piece's cut)
            text = data.decode("utf-8", errors="replace")
            stats.undecodable = True
        yield text.rstrip("\r\n") if ended else text, ended


def _text_lines(raw: BinaryIO, stats: ReadStats) -> Generator[tuple[str, bool], None, None]:
    """UTF-16 (it has a byte-order mark) decoded by a text wrapper."""
    text = io.TextIOWrapper(raw, encoding="utf-16", errors="replace", newline="")
    try:
        while True:
            try:
                chunk = text.readline(MAX_PIECE)
            except OSError as exc:
                raise UnreadableLog(f"reading failed ({exc.strerror or exc})") from exc
            if not chunk:
                return
            if _REPLACEMENT in chunk:
                stats.undecodable = True
            ended = chunk.endswith(("\n", "\r"))
            yield chunk.rstrip("\r\n") if ended else chunk, ended
    finally:
        text.detach()  # the caller closes the file


def read_pieces(path: Path, stats: ReadStats) -> Generator[Piece, None, None]:
    """The file's lines (pieces of long ones), in order; UnreadableLog when it cannot be opened.

    `stats` is filled in as the lines go by.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise UnreadableLog(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with raw:
        try:
            head = raw.read(4)
            raw.seek(0)
        except OSError as exc:  # a directory on some systems, a device, …
            raise UnreadableLog(f"{path}: cannot be read ({exc.strerror or exc})") from exc
        stats.encoding = _encoding(head)
        utf16 = stats.encoding == "utf-16"
        lines = _text_lines(raw, stats) if utf16 else _byte_lines(raw, stats)
        number = 0
        continued = False
        try:
            for chunk, ended in lines:
                if not continued:
                    number += 1
                # A lone CR ends a line too (an old Mac editor, a mangled copy).
                parts = chunk.split("\r") if "\r" in chunk else [chunk]
                for i, part in enumerate(parts):
                    if i:
                        number += 1
                    yield Piece(number, part.replace("\x00", ""), continued and not i)
                continued = not ended
        finally:
            lines.close()  # before the file: a text wrapper lets go of it first
        stats.lines = number
        stats.unterminated_last_line = continued
