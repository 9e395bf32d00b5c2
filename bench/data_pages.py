"""What answering one page of records costs: the typed schemas must add nothing to it.

Run: .venv/bin/python bench/data_pages.py [records per page, default 5000]

Invoices of a simulated company (mapped by the real mapper, with the store's modifiedDate) are
repeated to one full page, then turned into the response body three ways:
- open model: FastAPI validating and serializing through a model that allows any field (what the
  data routes did before they had typed schemas);
- typed model: the same through the page schema of /openapi.json (what declaring the typed
  schema as a plain response_model would cost);
- stored JSON: orjson on the stored records, what the data routes do now (qbdsync.api.routes.data).
Prints the median of several runs; asserts only that all three give the same JSON.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from qbdsync.api.models import Links
from qbdsync.api.schemas import page_schema
from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.sales import map_invoice
from qbdsync.simulator.company import SimulatedCompany

RUNS = 7


class OpenRecord(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None


class OpenPage(BaseModel):
    results: list[OpenRecord]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


def _page(size: int) -> dict[str, Any]:
    ctx = MappingContext(home_currency="US Dollar", ret_name="InvoiceRet")
    with (
        tempfile.TemporaryDirectory() as tmp,
        SimulatedCompany.open(Path(tmp) / "c.qbsim", size="small", seed=3) as company,
    ):
        invoices = [map_invoice(raw, ctx) for raw in company.records("InvoiceRet")]
    results = []
    for n in range(size):
        record = {**invoices[n % len(invoices)], "modifiedDate": "2026-01-02T03:04:05Z"}
        results.append(orjson.loads(orjson.dumps({**record, "id": f"{n}-{record['id']}"})))
    href = {"href": "http://127.0.0.1:8000/companies/x/data/invoices?page=1&pageSize=5000"}
    links = {"self": href, "current": href, "next": None, "previous": None}
    return {
        "results": results,
        "pageNumber": 1,
        "pageSize": size,
        "totalResults": size,
        "_links": links,
    }


def _through(model: type[BaseModel]) -> Callable[[dict[str, Any]], bytes]:
    """What FastAPI does with a response_model and its default response class: validate the
    returned value, then serialize it in pydantic-core (fastapi.routing.serialize_response)."""
    adapter = TypeAdapter(model)

    def render(body: dict[str, Any]) -> bytes:
        return adapter.dump_json(adapter.validate_python(body), by_alias=True)

    return render


def _stored(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def _median_ms(render: Callable[[dict[str, Any]], bytes], body: dict[str, Any]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render(body)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    body = _page(size)
    ways = {
        "open model (before)": _through(OpenPage),
        "typed model (if validated)": _through(page_schema("invoices")),
        "stored JSON (now)": _stored,
    }
    outputs = {name: orjson.loads(render(body)) for name, render in ways.items()}
    assert all(out == body for out in outputs.values()), "the three must give the same JSON"
    megabytes = len(_stored(body)) / 1e6
    print(f"one page of {size} invoices, {megabytes:.1f} MB of JSON, median of {RUNS} runs:")
    for name, render in ways.items():
        print(f"  {name:28} {_median_ms(render, body):8.1f} ms")


if __name__ == "__main__":
    main()
