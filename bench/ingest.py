"""Ingest benchmark: qbXML invoices through receiveResponseXML, against the bare lxml floor.

Run:
    .venv/bin/python bench/ingest.py [--invoices 20000] [--per-response 100]
                                     [--database sqlite|postgres]

In one run it measures, over the same qbXML bytes (by default 200 responses of 100 invoices
with 3 lines each, about 37 MB):

(a) the floor: `lxml.etree.iterparse` over each response, touching every element;
(b) the server: a `qbdsync serve --workers 1` subprocess (its own GIL) on a fresh SQLite file or
    a throw-away PostgreSQL server, fed one Web Connector session over real HTTP. Only the
    receiveResponseXML POSTs that carry invoice pages are timed (parse + map + store); every
    SOAP body is built before its clock starts.

Afterwards it checks that exactly --invoices invoices were stored and that the session ended
with progress 100. It prints bytes, records/s of both, the ratio server time / floor time, the
target line, and a one-line JSON summary last. Absolute figures drift by tens of per cent
between runs and machines; the ratio measured in one run is the number to compare.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
from _common import (
    INTUIT_NS,
    SOAP11_NS,
    cli,
    database,
    escape,
    free_port,
    serve,
    server_env,
    soap_body,
    soap_headers,
)
from lxml import etree
from sqlalchemy import create_engine, text

from qbdsync.qbxml.schema import RET_ORDER
from qbdsync.simulator.render import DOCUMENT_HEAD, DOCUMENT_TAIL, render_record

TARGET_RATIO = 4.0
ITERATOR_ID = "{6F1C2A84-3B7D-4E59-9A0B-1C2D3E4F5A6B}"
NO_MATCH = "A query request did not find a matching object in QuickBooks"
CLIENT_VERSION = "2.3.0.215"

# -- realistic invoices ------------------------------------------------------------------------

_STREETS = ("Oak Street", "Harbor Road", "Maple Avenue", "Mill Lane", "Station Road", "Elm Court")
_CITIES = (("Sacramento", "CA", "958"), ("Portland", "OR", "972"), ("Austin", "TX", "787"))
_WORDS = (
    "consulting",
    "installation",
    "maintenance",
    "hardware",
    "support",
    "design",
    "review",
    "materials",
    "travel",
    "training",
)
_MEMOS = (
    "Thank you for your business.",
    "Please quote the invoice number with your payment.",
    "Work completed as agreed on site.",
    "Monthly service, see attached schedule.",
)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _ref(list_id: str, name: str) -> dict[str, str]:
    return {"ListID": list_id, "FullName": name}


class InvoiceFactory:
    """Deterministic InvoiceRet dicts, keys in schema.RET_ORDER order (render walks them)."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.customers = [self._customer(i) for i in range(500)]
        self.items = [
            (
                _ref(f"{0x80000200 + i:X}-1690000000", f"{_WORDS[i % 10].title()} {i:02d}"),
                f"{_WORDS[i % 10].title()} {_WORDS[(i * 3 + 1) % 10]}",
                1500 + 250 * (i % 37),
            )
            for i in range(60)
        ]
        self.tax = _ref("80000002-1690000000", "Tax")
        self.non_tax = _ref("80000003-1690000000", "Non")

    def _customer(self, i: int) -> tuple[dict[str, str], dict[str, str]]:
        name = f"{_WORDS[i % 10].title()} {_WORDS[(i // 10) % 10].title()} Company {i:03d}"
        city, state, zip_prefix = _CITIES[i % 3]
        address = {
            "Addr1": name,
            "Addr2": f"{100 + i} {_STREETS[i % 6]}",
            "City": city,
            "State": state,
            "PostalCode": f"{zip_prefix}{i % 100:02d}",
            "Country": "US",
        }
        return _ref(f"{0x80000100 + i:X}-1690000000", name), address

    def invoice(self, n: int) -> dict[str, Any]:
        rng = self.rng
        created = 1_700_000_000 + n * 97
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S-08:00", time.gmtime(created))
        day = time.strftime("%Y-%m-%d", time.gmtime(created))
        due = time.strftime("%Y-%m-%d", time.gmtime(created + 30 * 86400))
        customer_ref, address = self.customers[rng.randrange(len(self.customers))]
        lines = []
        subtotal = 0
        taxable = 0
        for j in range(3):
            item_ref, desc, rate = self.items[rng.randrange(len(self.items))]
            quantity = rng.choice((1, 1, 2, 3, 4, 5, 8, 10))
            amount = quantity * rate
            subtotal += amount
            code = self.tax if j != 2 else self.non_tax
            if code is self.tax:
                taxable += amount
            lines.append(
                {
                    "TxnLineID": f"{n * 8 + j + 1:X}-{created}",
                    "ItemRef": item_ref,
                    "Desc": desc,
                    "Quantity": str(quantity),
                    "Rate": _money(rate),
                    "Amount": _money(amount),
                    "SalesTaxCodeRef": code,
                }
            )
        tax = (taxable * 825 + 5000) // 10000
        paid = (subtotal + tax) // 2 if n % 3 == 0 else 0
        record: dict[str, Any] = {
            "TxnID": f"{n * 8:X}-{created}",
            "TimeCreated": stamp,
            "TimeModified": stamp,
            "EditSequence": str(created),
            "TxnNumber": str(1000 + n),
            "CustomerRef": customer_ref,
            "ARAccountRef": _ref("80000010-1690000000", "Accounts Receivable"),
            "TxnDate": day,
            "RefNumber": f"INV-{10000 + n}",
            "BillAddress": address,
            "DueDate": due,
            "Subtotal": _money(subtotal),
            "SalesTaxTotal": _money(tax),
            "BalanceRemaining": _money(subtotal + tax - paid),
            "Memo": _MEMOS[n % len(_MEMOS)],
            "InvoiceLineRet": lines,
        }
        return record


def _check_order(name: str, record: dict[str, Any]) -> None:
    """Keys must follow the schema's element order (QuickBooks' own order)."""
    order = RET_ORDER[name]
    positions = [order.index(key) for key in record]
    assert positions == sorted(positions), f"{name} keys out of schema order"


def build_pages(invoices: int, per_response: int) -> list[str]:
    """The record text of every response (the `InvoiceRet` elements, one per line)."""
    factory = InvoiceFactory()
    first = factory.invoice(0)
    _check_order("InvoiceRet", first)
    _check_order("InvoiceLineRet", first["InvoiceLineRet"][0])
    pages = []
    for start in range(0, invoices, per_response):
        out: list[str] = []
        for n in range(start, min(start + per_response, invoices)):
            render_record("InvoiceRet", first if n == 0 else factory.invoice(n), out)
        pages.append("".join(out))
    return pages


def rs_start(request_id: str, count: int, remaining: int) -> str:
    return (
        f'<InvoiceQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
        f'statusMessage="Status OK" retCount="{count}" iteratorRemainingCount="{remaining}" '
        f'iteratorID="{ITERATOR_ID}">\n'
    )


def document(request_id: str, count: int, remaining: int, records: str) -> str:
    return (
        DOCUMENT_HEAD + rs_start(request_id, count, remaining) + records + "</InvoiceQueryRs>\n"
    ) + DOCUMENT_TAIL


# -- (a) the floor ---------------------------------------------------------------------------


def whole_tree_seconds(docs: list[bytes]) -> float:
    """For reference only: lxml building each whole tree in one call (no per-element events)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    started = time.perf_counter()
    for doc in docs:
        etree.fromstring(doc, parser)
    return time.perf_counter() - started


def floor_seconds(docs: list[bytes]) -> float:
    started = time.perf_counter()
    for doc in docs:
        for _event, _element in etree.iterparse(BytesIO(doc)):
            pass
    return time.perf_counter() - started


# -- (b) the server --------------------------------------------------------------------------


class Session:
    """One Web Connector session driven by hand, answering from pre-built pages."""

    def __init__(self, url: str, pages: list[str], invoices: int, per_response: int) -> None:
        self.http = httpx.Client(base_url=url, timeout=httpx.Timeout(600.0, connect=30.0))
        self.invoices = invoices
        self.per_response = per_response
        self.counts = [min(per_response, invoices - i * per_response) for i in range(len(pages))]
        self.ticket = ""
        self.escaped: list[bytes] = []
        self.pages = pages
        self.page = 0
        self.timed = 0.0
        self.timed_posts = 0
        self.progress = -1

    def call(self, operation: str, params: list[tuple[str, str]]) -> etree._Element:
        reply = self.http.post(
            "/qbwc", content=soap_body(operation, params), headers=soap_headers(operation)
        )
        return _result(operation, reply)

    def run(self, username: str, password: str, owner_id: str, file_id: str) -> str:
        self.call("serverVersion", [])
        self.call("clientVersion", [("strVersion", CLIENT_VERSION)])
        auth = [
            s.text or ""
            for s in self.call(
                "authenticate", [("strUserName", username), ("strPassword", password)]
            )
        ]
        if len(auth) < 2 or auth[1] != "":
            raise SystemExit(f"authenticate did not hand out work: {auth}")
        self.ticket = auth[0]
        # The big bodies, escaped into the SOAP `response` element, before any clock runs.
        self.escaped = [escape(page).encode() for page in self.pages]
        hcp = hcp_response(owner_id, file_id)
        first = True
        while True:
            request = self.call(
                "sendRequestXML",
                [
                    ("ticket", self.ticket),
                    ("strHCPResponse", hcp if first else ""),
                    ("strCompanyFileName", r"C:\Users\Public\Bench Company.qbw"),
                    ("qbXMLCountry", "US"),
                    ("qbXMLMajorVers", "16"),
                    ("qbXMLMinorVers", "0"),
                ],
            ).text
            first = False
            if not request:
                last = self.call("getLastError", [("ticket", self.ticket)]).text
                raise SystemExit(f"sendRequestXML returned nothing: {last}")
            self.progress = self.answer(request)
            if self.progress < 0:
                last = self.call("getLastError", [("ticket", self.ticket)]).text
                raise SystemExit(f"receiveResponseXML returned {self.progress}: {last}")
            if self.progress >= 100:
                return self.call("closeConnection", [("ticket", self.ticket)]).text or ""

    def answer(self, request_xml: str) -> int:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(request_xml.encode(), parser)
        before: list[str] = []
        invoice_page: tuple[str, int] | None = None
        for rq in root.iter():
            if not isinstance(rq.tag, str) or not rq.tag.endswith("QueryRq"):
                continue
            request_id = rq.get("requestID", "")
            if rq.tag == "InvoiceQueryRq":
                wanted = rq.findtext("MaxReturned")
                if wanted != str(self.per_response):
                    raise SystemExit(
                        f"the server asked MaxReturned={wanted}, not {self.per_response}"
                    )
                expected = "Start" if self.page == 0 else "Continue"
                if rq.get("iterator") != expected:
                    raise SystemExit(f"expected iterator={expected}, got {rq.get('iterator')}")
                invoice_page = (request_id, self.page)
                self.page += 1
            else:
                before.append(
                    f'<{rq.tag[:-2]}Rs requestID="{request_id}" statusCode="1" '
                    f'statusSeverity="Info" statusMessage="{NO_MATCH}" />\n'
                )
        head = DOCUMENT_HEAD + "".join(before)
        if invoice_page is None:
            return self.post(escape(head + DOCUMENT_TAIL).encode(), timed=False)
        request_id, page = invoice_page
        count = self.counts[page]
        remaining = self.invoices - sum(self.counts[: page + 1])
        return self.post(
            escape(head + rs_start(request_id, count, remaining)).encode()
            + self.escaped[page]
            + escape("</InvoiceQueryRs>\n" + DOCUMENT_TAIL).encode(),
            timed=True,
        )

    def post(self, escaped_qbxml: bytes, *, timed: bool) -> int:
        body = b"".join(
            (
                '<?xml version="1.0" encoding="utf-8"?>'
                f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>'
                f'<receiveResponseXML xmlns="{INTUIT_NS}"><ticket>{self.ticket}</ticket>'
                "<response>".encode(),
                escaped_qbxml,
                b"</response><hresult></hresult><message></message>"
                b"</receiveResponseXML></soap:Body></soap:Envelope>",
            )
        )
        headers = soap_headers("receiveResponseXML")
        started = time.perf_counter()
        reply = self.http.post("/qbwc", content=body, headers=headers)
        elapsed = time.perf_counter() - started
        if timed:
            self.timed += elapsed
            self.timed_posts += 1
        return int(_result("receiveResponseXML", reply).text or "0")


def _result(operation: str, reply: httpx.Response) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(reply.content, parser)
    except etree.XMLSyntaxError:
        raise SystemExit(f"{operation}: HTTP {reply.status_code}: {reply.text[:500]}") from None
    path = (
        f"{{{SOAP11_NS}}}Body/{{{INTUIT_NS}}}{operation}Response/{{{INTUIT_NS}}}{operation}Result"
    )
    found = root.find(path)
    if found is None:
        raise SystemExit(f"{operation}: HTTP {reply.status_code}: {reply.text[:500]}")
    return found


def hcp_response(owner_id: str, file_id: str) -> str:
    """Host, company and preferences, as QuickBooks answers QBWC when it opens the file."""
    out = [DOCUMENT_HEAD]
    out.append(
        '<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info" '
        'statusMessage="Status OK">\n'
    )
    render_record(
        "HostRet",
        {
            "ProductName": "QuickBooks Enterprise Solutions 24.0",
            "MajorVersion": "34",
            "MinorVersion": "0",
            "Country": "US",
            "SupportedQBXMLVersion": ["13.0", "14.0", "15.0", "16.0"],
            "IsAutomaticLogin": "false",
            "QBFileMode": "SingleUser",
        },
        out,
    )
    out.append("</HostQueryRs>\n")
    out.append(
        '<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" '
        'statusMessage="Status OK">\n'
    )
    render_record(
        "CompanyRet",
        {
            "IsSampleCompany": "false",
            "CompanyName": "Bench Company",
            "LegalCompanyName": "Bench Company LLC",
            "Address": {
                "Addr1": "1 Bench Way",
                "City": "Sacramento",
                "State": "CA",
                "PostalCode": "95814",
                "Country": "US",
            },
            "DataExtRet": [
                {
                    "OwnerID": owner_id,
                    "DataExtName": "FileID",
                    "DataExtType": "STR255TYPE",
                    "DataExtValue": file_id,
                }
            ],
        },
        out,
    )
    out.append("</CompanyQueryRs>\n")
    out.append(
        '<PreferencesQueryRs requestID="2" statusCode="0" statusSeverity="Info" '
        'statusMessage="Status OK">\n'
    )
    render_record(
        "PreferencesRet",
        {
            "MultiCurrencyPreferences": {
                "IsMultiCurrencyOn": "false",
                "HomeCurrencyRef": _ref("80000001-1690000000", "US Dollar"),
            }
        },
        out,
    )
    out.append("</PreferencesQueryRs>\n")
    out.append(DOCUMENT_TAIL)
    return "".join(out)


def read_qwc(path: Path) -> dict[str, str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(path.read_bytes(), parser)
    return {name: root.findtext(name) or "" for name in ("UserName", "OwnerID", "FileID")}


def server_ingest(
    kind: str, workdir: Path, pages: list[str], invoices: int, per_response: int
) -> tuple[float, int, str]:
    """-> (timed seconds, invoices stored, close text)."""
    with database(kind, workdir) as url:
        port = free_port()
        env = server_env(url, port, QBDSYNC_MAX_RETURNED=str(per_response))
        company_id = cli(env, "company", "create", "Bench Company")
        qwc_path = workdir / "bench.qwc"
        password = cli(env, "connection", "create", company_id, "--out", str(qwc_path))
        qwc = read_qwc(qwc_path)
        with serve(env, port, workers=1) as server:
            session = Session(server.url, pages, invoices, per_response)
            close = session.run(
                password=password,
                username=qwc["UserName"],
                owner_id=qwc["OwnerID"],
                file_id=qwc["FileID"],
            )
            session.http.close()
        if session.progress != 100:
            raise SystemExit(f"the session ended with progress {session.progress}, not 100")
        if session.page != len(pages) or session.timed_posts != len(pages):
            raise SystemExit(f"only {session.page} of {len(pages)} pages were asked for")
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(
                text("select count(*) from records where data_type = 'invoices'")
            ).scalar_one()
        engine.dispose()
        return session.timed, int(stored), close


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--per-response", type=int, default=100)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args(argv)

    print(f"building {args.invoices:,} invoices, {args.per_response} per response ...")
    pages = build_pages(args.invoices, args.per_response)
    counts = [
        min(args.per_response, args.invoices - i * args.per_response) for i in range(len(pages))
    ]
    remaining = [args.invoices - sum(counts[: i + 1]) for i in range(len(pages))]
    docs = [
        document(str(i + 10), counts[i], remaining[i], page).encode()
        for i, page in enumerate(pages)
    ]
    size = sum(len(d) for d in docs)
    print(f"qbXML: {size:,} bytes in {len(docs)} responses ({size / args.invoices:,.0f} B/invoice)")

    floor = floor_seconds(docs)
    print(
        f"floor  (lxml iterparse):        {floor:7.3f} s  {args.invoices / floor:>10,.0f} records/s"
    )
    tree = whole_tree_seconds(docs)
    print(
        f"  (reference: lxml fromstring,   {tree:7.3f} s  {args.invoices / tree:>10,.0f} records/s;"
        " no events, not the floor)"
    )

    with tempfile.TemporaryDirectory(prefix="qbdsync-bench-") as tmp:
        seconds, stored, close = server_ingest(
            args.database, Path(tmp), pages, args.invoices, args.per_response
        )
    if stored != args.invoices:
        print(f"FAIL: the server stored {stored:,} invoices, expected {args.invoices:,}")
        return 1
    ratio = seconds / floor
    print(
        f"server ({args.database}, 1 worker):   {seconds:7.3f} s  "
        f"{args.invoices / seconds:>10,.0f} records/s  (parse + map + store over HTTP)"
    )
    print(f"stored {stored:,} invoices; close: {close}")
    print(f"ratio server / floor: {ratio:.1f}x")
    print(
        f"target: ingest within {TARGET_RATIO:g}x of the bare parse "
        f"({'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    print(
        json.dumps(
            {
                "bench": "ingest",
                "database": args.database,
                "invoices": args.invoices,
                "per_response": args.per_response,
                "bytes": size,
                "floor_seconds": round(floor, 4),
                "floor_records_per_s": round(args.invoices / floor),
                "fromstring_seconds": round(tree, 4),
                "server_seconds": round(seconds, 4),
                "server_records_per_s": round(args.invoices / seconds),
                "ratio": round(ratio, 2),
                "target_ratio": TARGET_RATIO,
                "stored": stored,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
