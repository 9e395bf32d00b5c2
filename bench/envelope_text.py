"""Throughput of the receiveResponseXML text paths: lxml callbacks vs the fasttext fast path.

Run: .venv/bin/python bench/envelope_text.py [MB of qbXML, default 37]

Prints figures; asserts only that both paths give the same text. The qbXML is shaped like
QuickBooks' invoice query responses (about 1.9 KB per invoice with three lines, 100 invoices per
response, LF line ends), escaped as the Web Connector escapes it (`<`, `>` and `&` only).
Non-ASCII text is Latin-1 only: QuickBooks stores nothing else (reference/qbwc.md).
"""

from __future__ import annotations

import hashlib
import io
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from qbdsync.qbwc.fasttext import (
    FastResponseReader,
    ResponseTextDecoder,
    locate_response_text,
)
from qbdsync.qbwc.soap import SOAP11_NS, StreamingCallReader
from qbdsync.qbwc.wsdl import INTUIT_NS

MB = 1024 * 1024

_LINE = (
    "<InvoiceLineRet>\n<TxnLineID>{n}-1712345678</TxnLineID>\n<ItemRef>\n"
    "<ListID>80000{n:03d}-1700000000</ListID>\n<FullName>Parts:Widget {n}</FullName>\n"
    '</ItemRef>\n<Desc>Blue widget, 10" long &amp; shiny - café grade</Desc>\n'
    "<Quantity>{n}</Quantity>\n<Rate>49.95</Rate>\n<Amount>{n}49.50</Amount>\n"
    "<SalesTaxCodeRef>\n<ListID>80000002-1700000000</ListID>\n<FullName>Tax</FullName>\n"
    "</SalesTaxCodeRef>\n</InvoiceLineRet>\n"
)
_INVOICE = (
    "<InvoiceRet>\n<TxnID>{n}A2B-1712345678</TxnID>\n"
    "<TimeCreated>2024-03-05T10:11:12-08:00</TimeCreated>\n"
    "<TimeModified>2024-03-06T09:08:07-08:00</TimeModified>\n"
    "<EditSequence>1712345678</EditSequence>\n<TxnNumber>{n}</TxnNumber>\n<CustomerRef>\n"
    "<ListID>80000{n:03d}-1700000000</ListID>\n<FullName>Müller &amp; Söhne GmbH</FullName>\n"
    "</CustomerRef>\n<ARAccountRef>\n<ListID>80000003-1700000000</ListID>\n"
    "<FullName>Accounts Receivable</FullName>\n</ARAccountRef>\n<TemplateRef>\n"
    "<ListID>80000004-1700000000</ListID>\n<FullName>Intuit Product Invoice</FullName>\n"
    "</TemplateRef>\n<TxnDate>2024-03-05</TxnDate>\n<RefNumber>{n}</RefNumber>\n"
    "<BillAddress>\n<Addr1>Müller &amp; Söhne GmbH</Addr1>\n<Addr2>Hauptstraße {n}</Addr2>\n"
    "<City>Springfield</City>\n<State>CA</State>\n<PostalCode>94{n:03d}</PostalCode>\n"
    "</BillAddress>\n<IsPending>false</IsPending>\n<TermsRef>\n"
    "<ListID>80000005-1700000000</ListID>\n<FullName>Net 30</FullName>\n</TermsRef>\n"
    "<DueDate>2024-04-04</DueDate>\n<ShipDate>2024-03-05</ShipDate>\n"
    "<Subtotal>{n}48.50</Subtotal>\n<ItemSalesTaxRef>\n<ListID>80000006-1700000000</ListID>\n"
    "<FullName>State Tax</FullName>\n</ItemSalesTaxRef>\n"
    "<SalesTaxPercentage>7.25</SalesTaxPercentage>\n<SalesTaxTotal>21.75</SalesTaxTotal>\n"
    "<AppliedAmount>0.00</AppliedAmount>\n<BalanceRemaining>{n}70.25</BalanceRemaining>\n"
    "<IsPaid>false</IsPaid>\n<IsToBePrinted>true</IsToBePrinted>\n"
    "<IsToBeEmailed>false</IsToBeEmailed>\n{lines}</InvoiceRet>\n"
)


def qbxml_text(megabytes: float) -> str:
    """About `megabytes` MB (UTF-8) of invoice query responses, 100 invoices each."""
    responses: list[str] = []
    size = 0
    n = 0
    while size < megabytes * MB:
        invoices = []
        for _ in range(100):
            n += 1
            lines = "".join(_LINE.format(n=(n + i) % 1000) for i in range(3))
            invoices.append(_INVOICE.format(n=n % 1000, lines=lines))
        response = (
            '<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<InvoiceQueryRs requestID="1" '
            'statusCode="0" statusSeverity="Info" statusMessage="Status OK">\n'
            + "".join(invoices)
            + "</InvoiceQueryRs>\n</QBXMLMsgsRs>\n</QBXML>\n"
        )
        responses.append(response)
        size += len(response.encode())
    return "".join(responses)


def wc_escape(text: str) -> bytes:
    """Escape as the Web Connector's .NET writer does: `&`, `<`, `>`; CR and quotes raw."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()


def receive_body(escaped: bytes) -> bytes:
    head = (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11_NS}">'
        f'<soap:Body><receiveResponseXML xmlns="{INTUIT_NS}"><ticket>T</ticket><response>'
    ).encode()
    tail = b"</response><hresult/><message/></receiveResponseXML></soap:Body></soap:Envelope>"
    return head + escaped + tail


@dataclass
class Timing:
    name: str
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: steadier on a busy machine
    sha256: str


def _timed(name: str, produce: Callable[[], Iterable[str]]) -> Timing:
    """Time consuming the text (as a handler would, chunk by chunk); hash it in a second run."""
    started, cpu_started = time.perf_counter(), time.process_time()
    length = 0
    for chunk in produce():
        length += len(chunk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    digest = hashlib.sha256()
    for chunk in produce():
        digest.update(chunk.encode())
    return Timing(name, seconds, cpu, digest.hexdigest())


def lxml_path(body: bytes) -> Iterator[str]:
    reader = StreamingCallReader()
    for pos in range(0, len(body), 256 * 1024):
        reader.feed(body[pos : pos + 256 * 1024])
        yield reader.take_text()
    reader.close()


def fast_path(body: bytes) -> Iterator[str]:
    spool = io.BytesIO(body)
    span = locate_response_text(spool)
    assert span is not None
    fast = FastResponseReader(spool, span)
    assert fast.start()
    yield from fast.response_chunks()
    fast.read_trailer()


def decoder_only(escaped: bytes, chunk: int = MB) -> Iterator[str]:
    decoder = ResponseTextDecoder()
    for pos in range(0, len(escaped), chunk):
        yield decoder.decode(escaped[pos : pos + chunk], final=pos + chunk >= len(escaped))


def run(megabytes: float = 37, *, out: object = None) -> list[Timing]:
    text = qbxml_text(megabytes)
    escaped = wc_escape(text)
    body = receive_body(escaped)
    expected = hashlib.sha256(text.encode()).hexdigest()
    print(
        f"qbXML {len(text.encode()) / MB:.1f} MB, escaped {len(escaped) / MB:.1f} MB, "
        f"{escaped.count(b'&') / 1e6:.2f} M references",
        file=sys.stdout,
    )
    timings = [
        _timed("lxml target (general path)", lambda: lxml_path(body)),
        _timed("fast path (pre-scan+envelope+text)", lambda: fast_path(body)),
        _timed("ResponseTextDecoder alone", lambda: decoder_only(escaped)),
    ]
    for timing in timings:
        assert timing.sha256 == expected, timing.name
        print(
            f"{timing.name:36s} {timing.seconds:6.3f} s wall {timing.cpu_seconds:6.3f} s CPU  "
            f"{len(escaped) / MB / timing.cpu_seconds:6.1f} MB/s escaped  "
            f"{len(text.encode()) / MB / timing.cpu_seconds:6.1f} MB/s qbXML (CPU)"
        )
    return timings


if __name__ == "__main__":
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 37)
