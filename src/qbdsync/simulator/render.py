"""qbXML response rendering by string building (fast enough for tens of MB per second).

Records are dicts whose keys are already in ``schema.RET_ORDER`` order (the builders insert them
that way), so rendering walks each dict as it is. Text is escaped for element content (``&``,
``<``, ``>``); attribute values also escape ``"``. The document starts like QuickBooks' own:
``<?xml version="1.0" ?>`` then ``<QBXML>`` and ``<QBXMLMsgsRs>`` on their own lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from qbdsync.simulator.factories import Record

DOCUMENT_HEAD: Final[str] = '<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n'
DOCUMENT_TAIL: Final[str] = "</QBXMLMsgsRs>\n</QBXML>\n"


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    text = escape_text(text)
    return text.replace('"', "&quot;") if '"' in text else text


def _append(name: str, value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        if "&" in value or "<" in value or ">" in value:
            value = escape_text(value)
        out.append(f"<{name}>{value}</{name}>")
    elif kind is dict:
        out.append(f"<{name}>")
        for key, child in value.items():
            _append(key, child, out)
        out.append(f"</{name}>")
    else:  # a list: the element repeats
        for item in value:
            _append(name, item, out)


def render_record(ret_name: str, record: Record, out: list[str]) -> None:
    """Append ``<ret_name>…</ret_name>`` and a newline to ``out``."""
    _append(ret_name, record, out)
    out.append("\n")


@dataclass
class Response:
    """One ``…Rs`` element: its status attributes, iterator attributes and records."""

    name: str
    request_id: str | None
    status_code: int = 0
    status_severity: str = "Info"
    status_message: str = "Status OK"
    records: Sequence[tuple[str, Record]] = field(default_factory=list)
    ret_count: int | None = None
    iterator_remaining: int | None = None
    iterator_id: str | None = None

    def render(self, out: list[str]) -> None:
        attributes = []
        if self.request_id is not None:
            attributes.append(f'requestID="{escape_attribute(self.request_id)}"')
        attributes.append(f'statusCode="{self.status_code}"')
        attributes.append(f'statusSeverity="{self.status_severity}"')
        attributes.append(f'statusMessage="{escape_attribute(self.status_message)}"')
        if self.ret_count is not None:
            attributes.append(f'retCount="{self.ret_count}"')
        if self.iterator_remaining is not None:
            attributes.append(f'iteratorRemainingCount="{self.iterator_remaining}"')
        if self.iterator_id is not None:
            attributes.append(f'iteratorID="{escape_attribute(self.iterator_id)}"')
        head = f"<{self.name} {' '.join(attributes)}"
        if not self.records:
            out.append(head + " />\n")
            return
        out.append(head + ">\n")
        for ret_name, record in self.records:
            render_record(ret_name, record, out)
        out.append(f"</{self.name}>\n")


def render_document(responses: Iterable[Response]) -> str:
    """A whole qbXML response document."""
    out = [DOCUMENT_HEAD]
    for response in responses:
        response.render(out)
    out.append(DOCUMENT_TAIL)
    return "".join(out)
