"""Drive qbdsync's pushes with Codat's official codat-accounting SDK, unchanged.

Runs in .venv-sdk-accounting (from tests/sdk/accounting/requirements.txt): codat-accounting pins
an httpx that codat-platform cannot share. It imports only the SDK (and httpx, the SDK's own
dependency) and the standard library. It is given the server URL, an API key and a linked,
synced company's ids; it creates a customer, an invoice, a bill and a journal entry, and reads
each push operation back by its key into the SDK's own response model (pydantic validates every
field). Prints a JSON summary; exits 1 when a step failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

import httpx
from codat_accounting import CodatAccounting
from codat_accounting.models import shared
from codat_accounting.utils.serializers import unmarshal_json

ACCEPTED = ("Pending", "Success")

failures: list[str] = []
passed: list[str] = []


def step(name: str, call: Callable[[], Any]) -> Any:
    try:
        result = call()
    except Exception as exc:
        failures.append(f"{name}: {type(exc).__name__}: {exc}")
        print(f"FAIL {name}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        return None
    passed.append(name)
    print(f"ok   {name}", file=sys.stderr)
    return result


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _enum(value: Any) -> str:
    return str(getattr(value, "value", value))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--company-id", required=True)
    parser.add_argument("--connection-id", required=True)
    args = parser.parse_args()
    auth = "Basic " + base64.b64encode(args.api_key.encode()).decode()
    accounting = CodatAccounting(
        security=shared.Security(auth_header=auth),
        server_url=args.server_url,
        timeout_ms=30_000,
    )
    with httpx.Client(base_url=args.server_url, headers={"Authorization": auth}, timeout=30) as raw:
        summary = drive(accounting, raw, args.company_id, args.connection_id)
    summary["passed"] = len(passed)
    summary["failures"] = failures
    print(json.dumps(summary))
    return 1 if failures else 0


def drive(
    accounting: CodatAccounting, raw: httpx.Client, company_id: str, connection_id: str
) -> dict[str, Any]:
    where = {"company_id": company_id, "connection_id": connection_id}
    found: dict[str, str] = {}
    made: list[tuple[str, str, Any]] = []  # (data type, push key, the SDK model to read it as)

    def references() -> None:
        customers = accounting.customers.list(request={"company_id": company_id, "page_size": 5})
        found["customer"] = customers.results[0].id
        suppliers = accounting.suppliers.list(request={"company_id": company_id, "page_size": 5})
        found["supplier"] = suppliers.results[0].id
        items = accounting.items.list(
            request={
                "company_id": company_id,
                "query": 'type="Service"&&itemStatus="Active"',
                "page_size": 5,
            }
        )
        found["item"] = items.results[0].id
        expenses = accounting.accounts.list(
            request={"company_id": company_id, "query": "type=Expense", "page_size": 5}
        )
        check(len(expenses.results or []) >= 2, "fewer than two expense accounts")
        found["expense"], found["other_expense"] = expenses.results[0].id, expenses.results[1].id

    step("references (customers, suppliers, items, accounts lists)", references)
    if len(found) < 5:
        return {}

    def accepted(data_type: str, response: Any, model: Any) -> None:
        check(response is not None, f"{data_type}: no push operation parsed")
        check(_enum(response.status) in ACCEPTED, f"{data_type}: status {response.status}")
        errors = response.validation.errors if response.validation is not None else None
        check(not errors, f"{data_type}: validation errors {errors}")
        made.append((data_type, response.push_operation_key, model))

    step(
        "customers.create",
        lambda: accepted(
            "customers",
            accounting.customers.create(
                request={
                    **where,
                    "customer": {
                        "customer_name": "Accounting SDK Customer",
                        "status": shared.CustomerStatus.ACTIVE,
                        "email_address": "sdk@example.com",
                    },
                }
            ),
            shared.CreateCustomerResponse,
        ),
    )
    step(
        "invoices.create",
        lambda: accepted(
            "invoices",
            accounting.invoices.create(
                request={
                    **where,
                    "invoice": {
                        "customer_ref": {"id": found["customer"]},
                        "invoice_number": "SDK-INV-1",
                        "issue_date": "2024-03-01T00:00:00",
                        "due_date": "2024-03-31T00:00:00",
                        "status": shared.InvoiceStatus.SUBMITTED,
                        "line_items": [
                            {
                                "description": "Consulting",
                                "quantity": 2,
                                "unit_amount": 50,
                                "sub_total": 100,
                                "tax_amount": 0,
                                "total_amount": 100,
                                "item_ref": {"id": found["item"]},
                                "tax_rate_ref": {"id": "Non"},
                            }
                        ],
                        "sub_total": 100,
                        "total_tax_amount": 0,
                        "total_amount": 100,
                        "amount_due": 100,
                    },
                }
            ),
            shared.CreateInvoiceResponse,
        ),
    )
    step(
        "bills.create",
        lambda: accepted(
            "bills",
            accounting.bills.create(
                request={
                    **where,
                    "bill": {
                        "supplier_ref": {"id": found["supplier"]},
                        "reference": "SDK-BILL-1",
                        "issue_date": "2024-04-01T00:00:00",
                        "due_date": "2024-04-30T00:00:00",
                        "status": shared.BillStatus.OPEN,
                        "line_items": [
                            {
                                "description": "Office rent",
                                "quantity": 1,
                                "unit_amount": 1200,
                                "sub_total": 1200,
                                "tax_amount": 0,
                                "total_amount": 1200,
                                "account_ref": {"id": found["expense"]},
                            }
                        ],
                        "sub_total": 1200,
                        "tax_amount": 0,
                        "total_amount": 1200,
                    },
                }
            ),
            shared.CreateBillResponse,
        ),
    )
    step(
        "journal_entries.create",
        lambda: accepted(
            "journalEntries",
            accounting.journal_entries.create(
                request={
                    **where,
                    "journal_entry": {
                        "posted_on": "2024-06-30T00:00:00",
                        "description": "SDK adjustment",
                        "journal_lines": [
                            {"net_amount": 250.75, "account_ref": {"id": found["expense"]}},
                            {
                                "net_amount": -250.75,
                                "account_ref": {"id": found["other_expense"]},
                            },
                        ],
                    },
                }
            ),
            shared.CreateJournalEntryResponse,
        ),
    )

    def read_back() -> None:
        check(bool(made), "no push was accepted")
        for data_type, key, model in made:
            reply = raw.get(f"/companies/{company_id}/push/{key}")
            check(reply.status_code == 200, f"{data_type}: GET push {key}: {reply.status_code}")
            operation = unmarshal_json(reply.text, model)
            check(operation.push_operation_key == key, f"{data_type}: key {key}")
            errors = operation.validation.errors if operation.validation is not None else None
            check(not errors, f"{data_type}: validation errors {errors}")

    step("push operations read back into the SDK's models", read_back)
    return {"accounting_pushes": len(made)}


if __name__ == "__main__":
    sys.exit(main())
