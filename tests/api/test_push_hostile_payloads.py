"""Hostile push payloads against qbdsync's own kinds: each is refused with a 4xx in Codat's
shape (never a 500) and queues nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import link_and_sync, new_tenant, serving
from tests.api.test_push_real_kinds import World


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serving(module_database_url) as server:
        tenant = new_tenant(server, "hostile")
        synced = link_and_sync(tenant, tmp_path_factory.mktemp("hostile"), "Hostile Inc")
        yield World(server, tenant, synced)


def _invoice(world: World, **line: Any) -> dict[str, Any]:
    customer = world.first("customers")
    item = world.first("items", 'type="Service"&&itemStatus="Active"')
    base = {
        "description": "Setup",
        "quantity": 1,
        "unitAmount": 100,
        "subTotal": 100,
        "itemRef": {"id": item["id"]},
        "taxRateRef": {"id": "Non"},
    }
    base.update(line)
    return {
        "customerRef": {"id": customer["id"]},
        "invoiceNumber": "H-1",
        "issueDate": "2024-03-01T00:00:00",
        "lineItems": [base],
        "subTotal": base["subTotal"],
    }


def _pending(world: World) -> int:
    reply = world.tenant.api.get(f"/companies/{world.synced.company_id}/push")
    return sum(1 for p in reply.json()["results"] if p["status"] == "Pending")


def _post_raw(world: World, data_type: str, text: str) -> Any:
    return world.tenant.api.post(
        f"{world.base}/push/{data_type}",
        content=text.encode(),
        headers={"Content-Type": "application/json"},
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_amounts_are_refused(world: World, literal: str) -> None:
    before = _pending(world)
    text = json.dumps(_invoice(world)).replace('"unitAmount": 100', f'"unitAmount": {literal}')
    reply = _post_raw(world, "invoices", text)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:300])
    assert _pending(world) == before


def test_deep_nesting_is_refused(world: World) -> None:
    before = _pending(world)
    depth = 100_000
    text = '{"customerName": "Deep", "addresses": ' + "[" * depth + "]" * depth + "}"
    reply = _post_raw(world, "customers", text)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:300])
    assert _pending(world) == before


def test_a_huge_array_of_lines_is_refused_or_queued_not_500(world: World) -> None:
    body = _invoice(world)
    body["lineItems"] = body["lineItems"] * 20_000
    body["subTotal"] = 100 * 20_000
    reply = world.tenant.api.post(f"{world.base}/push/invoices", json=body)
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])


def test_negative_quantity_and_control_characters(world: World) -> None:
    reply = world.tenant.api.post(
        f"{world.base}/push/customers", json={"customerName": "Bell\x07 \x00Ltd"}
    )
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])
    assert reply.status_code == 400, reply.text[:300]


def test_a_name_that_grows_when_encoded_is_counted_in_characters(world: World) -> None:
    # 41 characters that are 3 bytes each in UTF-8 (and 'ß' upper-cases to 'SS').
    ok = world.tenant.api.post(f"{world.base}/push/customers", json={"customerName": "€" * 41})
    assert ok.status_code in (200, 400), ok.text[:300]
    long = world.tenant.api.post(f"{world.base}/push/customers", json={"customerName": "ß" * 42})
    assert long.status_code == 400, long.text[:300]


@pytest.mark.parametrize("literal", ['"1e999999"', '"-1e999999"', "1e999999", '"NaN"', '"1e14"'])
@pytest.mark.parametrize("field", ["quantity", "unitAmount", "subTotal", "totalAmount"])
def test_an_amount_too_large_for_quickbooks_is_a_400_naming_it(
    world: World, field: str, literal: str
) -> None:
    # The magnitude is read from the exponent before any sum or rounding (1e999999 once made
    # an InvalidOperation in the line checks: a 500).
    before = _pending(world)
    given = json.dumps(_invoice(world, totalAmount=100))
    text = re.sub(f'"{field}": [0-9]+', f'"{field}": {literal}', given, count=1)
    assert text != given
    reply = _post_raw(world, "invoices", text)
    assert reply.status_code == 400, (reply.status_code, reply.text[:300])
    named = {e["itemId"] for e in reply.json()["validation"]["errors"]}
    assert f"lineItems[0].{field}" in named, reply.text[:500]
    assert _pending(world) == before


@pytest.mark.parametrize("literal", ['"1e999999"', '"-1e999999"', "-1e999999", '"Infinity"'])
def test_a_bank_transaction_amount_too_large_is_a_400_naming_it(world: World, literal: str) -> None:
    before = _pending(world)
    bank = world.first("bankAccounts")
    body = {"accountId": bank["id"], "transactions": [{"amount": 0, "date": "2024-07-04"}]}
    text = json.dumps(body).replace('"amount": 0', f'"amount": {literal}')
    reply = _post_raw(world, f"bankAccounts/{bank['id']}/bankTransactions", text)
    assert reply.status_code == 400, (reply.status_code, reply.text[:300])
    named = {e["itemId"] for e in reply.json()["validation"]["errors"]}
    assert "transactions[0].amount" in named, reply.text[:500]
    assert _pending(world) == before
