"""qbXML responses written for these tests (our own data, shaped like QuickBooks' output)."""

from __future__ import annotations

from collections.abc import Iterator

HEADER = '<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n'
FOOTER = "</QBXMLMsgsRs>\n</QBXML>\n"


def invoice(number: int, lines: int = 3) -> str:
    """One InvoiceRet, indented the way QuickBooks indents its responses."""
    line_xml = "".join(
        f"""
<InvoiceLineRet>
<TxnLineID>{number:X}-{line}</TxnLineID>
<ItemRef>
<ListID>80000001-1446676743</ListID>
<FullName>Services:Consulting</FullName>
</ItemRef>
<Desc>Consulting, line {line}</Desc>
<Quantity>2</Quantity>
<Rate>150.00</Rate>
<Amount>300.00</Amount>
<SalesTaxCodeRef>
<ListID>80000002-1446676743</ListID>
<FullName>Non</FullName>
</SalesTaxCodeRef>
</InvoiceLineRet>"""
        for line in range(lines)
    )
    return f"""<InvoiceRet>
<TxnID>{number:X}-1622994339</TxnID>
<TimeCreated>2021-06-06T10:00:00-07:00</TimeCreated>
<TimeModified>2021-06-06T10:00:00-07:00</TimeModified>
<EditSequence>1622994339</EditSequence>
<TxnNumber>{number}</TxnNumber>
<CustomerRef>
<ListID>80000003-1446676743</ListID>
<FullName>Acme:Job 1</FullName>
</CustomerRef>
<ARAccountRef>
<ListID>80000004-1446676743</ListID>
<FullName>Accounts Receivable</FullName>
</ARAccountRef>
<TxnDate>2021-06-06</TxnDate>
<RefNumber>{number}</RefNumber>
<BillAddress>
<Addr1>Acme Inc</Addr1>
<City>Springfield</City>
</BillAddress>
<IsPending>false</IsPending>
<DueDate>2021-07-06</DueDate>
<Subtotal>{lines * 300}.00</Subtotal>
<BalanceRemaining>{lines * 300}.00</BalanceRemaining>
<Memo>Thank you</Memo>
<IsPaid>false</IsPaid>{line_xml}
</InvoiceRet>
"""


def invoice_response(first: int, count: int, *, remaining: int = 0, request_id: str = "1") -> str:
    """A whole InvoiceQueryRs page of ``count`` invoices."""
    body = "".join(invoice(n) for n in range(first, first + count))
    return (
        HEADER + f'<InvoiceQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
        f'statusMessage="Status OK" retCount="{count}" iteratorRemainingCount="{remaining}" '
        f'iteratorID="{{b9a3c1de-0000-4000-8000-000000000001}}">\n'
        + body
        + "</InvoiceQueryRs>\n"
        + FOOTER
    )


def huge_response_chunks(total_bytes: int, chunk_size: int) -> Iterator[bytes]:
    """One response of about ``total_bytes``, produced lazily in ``chunk_size`` byte chunks."""
    pending = bytearray(
        (
            HEADER + '<InvoiceQueryRs requestID="1" statusCode="0" statusSeverity="Info" '
            'statusMessage="Status OK">\n'
        ).encode()
    )
    produced = 0
    number = 0
    block = 200
    while produced < total_bytes:
        text = "".join(invoice(n) for n in range(number, number + block)).encode()
        number += block
        produced += len(text)
        pending += text
        while len(pending) >= chunk_size:
            yield bytes(pending[:chunk_size])
            del pending[:chunk_size]
    pending += ("</InvoiceQueryRs>\n" + FOOTER).encode()
    while pending:
        yield bytes(pending[:chunk_size])
        del pending[:chunk_size]
