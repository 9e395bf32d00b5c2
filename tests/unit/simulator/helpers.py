"""Hand-written qbXML requests and a tiny response reader for the simulator tests.

The tests do not use qbdsync's codec on purpose: it is built separately, and the simulator must
stand on its own as the reference QuickBooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from qbdsync.qbxml.schema import REPEATABLE_RET_ELEMENTS


def qbxml(body: str, *, version: str = "16.0", on_error: str = "stopOnError") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<?qbxml version="{version}"?>\n'
        f'<QBXML><QBXMLMsgsRq onError="{on_error}">{body}</QBXMLMsgsRq></QBXML>'
    )


def to_dict(element: etree._Element) -> dict[str, Any]:
    """An element's children in the parser's shape (lists for repeatable elements)."""
    result: dict[str, Any] = {}
    for child in element:
        value: Any = to_dict(child) if len(child) else (child.text or "")
        if child.tag in REPEATABLE_RET_ELEMENTS:
            result.setdefault(child.tag, []).append(value)
        else:
            result[child.tag] = value
    return result


@dataclass
class Rs:
    name: str
    attributes: dict[str, str]
    records: list[dict[str, Any]]
    ret_names: list[str]

    @property
    def status(self) -> int:
        return int(self.attributes["statusCode"])


def responses(document: str) -> list[Rs]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(document.encode("utf-8"), parser)
    assert root.tag == "QBXML"
    (message_set,) = root
    assert message_set.tag == "QBXMLMsgsRs"
    return [
        Rs(
            name=rs.tag,
            attributes=dict(rs.attrib),
            records=[to_dict(ret) for ret in rs],
            ret_names=[ret.tag for ret in rs],
        )
        for rs in message_set
    ]


def one(document: str) -> Rs:
    (only,) = responses(document)
    return only
