"""Drive a qbdsync server with Codat's official Python SDKs, as a Codat customer would.

Runs in its own virtualenv (.venv-sdk, from tests/sdk/requirements.txt), never in ours: it imports
only the SDKs and the standard library. tests/sdk/test_codat_sdks.py starts the server and runs
this script; the only qbdsync-specific things it is given are the base URL, an API key and a
command line that plays the SMB user's part of linking (the simulated Web Connector).

Every step runs even when an earlier one failed, so one run lists every incompatibility; the
script exits 1 if any step failed. The SDKs validate each response with pydantic, so a step
"passes" only when our JSON fits Codat's published models.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from codat_lending import CodatLending
from codat_lending.models import shared as lending_shared
from codat_platform import CodatPlatform
from codat_platform.models import shared as platform_shared
from codat_platform.models.errors import ResponseValidationError
from codat_platform.utils.retries import RetryConfig
from writeback_lending import drive_loan_writeback

# The SDKs retry 408/429/5xx with backoff for minutes by default: a server bug must fail fast.
NO_RETRIES = RetryConfig(strategy="none")
TIMEOUT_MS = 30_000

failures: list[str] = []
passed: list[str] = []


def step(name: str, call: Callable[[], Any]) -> Any:
    """Run one SDK interaction; record (not raise) a failure so the next steps still run."""
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server-url", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument(
        "--link-command",
        required=True,
        help="JSON list: a command line that links a connection; the link URL is appended",
    )
    args = parser.parse_args()
    link_command: list[str] = json.loads(args.link_command)

    auth = "Basic " + base64.b64encode(args.api_key.encode()).decode()
    platform = CodatPlatform(
        server_url=args.server_url,
        security=platform_shared.Security(auth_header=auth),
        retry_config=NO_RETRIES,
        timeout_ms=TIMEOUT_MS,
    )
    lending = CodatLending(
        server_url=args.server_url,
        security=lending_shared.Security(auth_header=auth),
        retry_config=NO_RETRIES,
        timeout_ms=TIMEOUT_MS,
    )
    with platform, lending:
        summary = drive(platform, lending, link_command)
    summary["passed"] = len(passed)
    summary["failures"] = failures
    print(json.dumps(summary))
    return 1 if failures else 0


def drive(
    platform: CodatPlatform, lending: CodatLending, link_command: list[str]
) -> dict[str, Any]:
    summary: dict[str, Any] = {}

    # --- Platform: integrations, companies, connections -------------------------------------
    def integrations() -> None:
        listed = platform.integrations.list(request={"query": "key=pqsw"})
        check(any(i.key == "pqsw" for i in listed.results or []), "pqsw not listed")
        one = platform.integrations.get(request={"platform_key": "pqsw"})
        check(one.key == "pqsw", f"integration key {one.key}")

    step("integrations.list/get", integrations)

    company = step(
        "companies.create",
        lambda: platform.companies.create(
            request={"name": "Acme SDK Ltd", "description": "driven by codat-platform"}
        ),
    )
    if company is None:
        return summary
    company_id = company.id
    summary["company_id"] = company_id

    def companies_read() -> None:
        got = platform.companies.get(request={"company_id": company_id})
        check(got.name == "Acme SDK Ltd", f"name {got.name}")
        listed = platform.companies.list(
            request={"query": "name=Acme SDK Ltd", "order_by": "-created", "page_size": 10}
        )
        check([c.id for c in listed.results or []] == [company_id], "query on name")

    step("companies.get/list", companies_read)
    step(
        "companies.update",
        lambda: platform.companies.update(
            request={
                "company_id": company_id,
                "company_update_request": {"name": "Acme SDK", "description": "renamed"},
            }
        ),
    )

    connection = step(
        "connections.create",
        lambda: platform.connections.create(
            request={"company_id": company_id, "request_body": {"platform_key": "pqsw"}}
        ),
    )
    if connection is None:
        return summary
    connection_id = connection.id
    link_url = connection.link_url
    step(
        "new connection is PendingAuth",
        lambda: check(_enum(connection.status) == "PendingAuth", f"status {connection.status}"),
    )
    summary["connection_id"] = connection_id

    # --- The SMB user links QuickBooks: the Web Connector runs its first session -----------
    def link() -> None:
        completed = subprocess.run(
            [*link_command, link_url], capture_output=True, text=True, timeout=120, check=False
        )
        check(completed.returncode == 0, f"link command failed: {completed.stderr[-2000:]}")

    step("link with the simulated Web Connector", link)

    def connections_read() -> None:
        got = platform.connections.get(
            request={"company_id": company_id, "connection_id": connection_id}
        )
        check(_enum(got.status) == "Linked", f"status after link {got.status}")
        check(got.integration_key == "pqsw", f"integration_key {got.integration_key}")
        listed = platform.connections.list(
            request={"company_id": company_id, "query": "status=Linked", "page_size": 5}
        )
        check([c.id for c in listed.results or []] == [connection_id], "connections.list")
        via_lending = lending.connections.list(request={"company_id": company_id})
        check(via_lending.total_results == 1, "lending connections.list")
        lending.connections.get(request={"company_id": company_id, "connection_id": connection_id})

    step("connections.get/list", connections_read)

    # --- Refresh, status, history -----------------------------------------------------------
    step("refresh_data.all", lambda: platform.refresh_data.all(request={"company_id": company_id}))
    pull = step(
        "refresh_data.by_data_type",
        lambda: platform.refresh_data.by_data_type(
            request={
                "company_id": company_id,
                "data_type": "invoices",
                "connection_id": connection_id,
            }
        ),
    )

    def data_status() -> None:
        statuses = platform.refresh_data.get(request={"company_id": company_id})
        check(statuses.invoices is not None, "no invoices in dataStatus")
        check(statuses.chart_of_accounts is not None, "no chartOfAccounts in dataStatus")
        check(statuses.invoices.latest_successful_sync_id is not None, "invoices never synced")
        lending.manage_data.get_status(request={"company_id": company_id})

    step("dataStatus (platform + lending)", data_status)

    def history() -> None:
        page = platform.refresh_data.list_pull_operations(
            request={
                "company_id": company_id,
                "query": "dataType=invoices",
                "order_by": "-requested",
                "page_size": 2,
            }
        )
        check((page.total_results or 0) >= 1, "no invoice pull operations")
        first = page.results[0]
        one = platform.refresh_data.get_pull_operation(
            request={"company_id": company_id, "dataset_id": first.id}
        )
        check(one.id == first.id, "get_pull_operation id")
        lending_page = lending.manage_data.pull_operations.list(
            request={"company_id": company_id, "page_size": 1}
        )
        check(len(lending_page.results or []) == 1, "lending pull_operations page size")
        lending.manage_data.pull_operations.get(
            request={"company_id": company_id, "dataset_id": first.id}
        )
        if pull is not None:
            platform.refresh_data.get_pull_operation(
                request={"company_id": company_id, "dataset_id": pull.id}
            )

    step("data history", history)
    step(
        "refresh_data.by_data_type chartOfAccounts",
        lambda: check(
            platform.refresh_data.by_data_type(
                request={"company_id": company_id, "data_type": "chartOfAccounts"}
            ).data_type
            == "chartOfAccounts",
            "pull operation dataType",
        ),
    )
    step(
        "lending refresh.data_type",
        lambda: lending.manage_data.refresh.data_type(
            request={"company_id": company_id, "data_type": "customers"}
        ),
    )
    step(
        "lending refresh.all_data_types",
        lambda: lending.manage_data.refresh.all_data_types(request={"company_id": company_id}),
    )

    # --- Reads through codat-lending: query, orderBy, paging --------------------------------
    def invoices() -> None:
        receivable = lending.accounts_receivable.invoices
        everything = receivable.list(request={"company_id": company_id, "page_size": 5000})
        total = everything.total_results
        check(total > 3, f"only {total} invoices")
        query = "amountDue>0"
        first = receivable.list(
            request={
                "company_id": company_id,
                "query": query,
                "order_by": "-totalAmount",
                "page": 1,
                "page_size": 2,
            }
        )
        second = receivable.list(
            request={
                "company_id": company_id,
                "query": query,
                "order_by": "-totalAmount",
                "page": 2,
                "page_size": 2,
            }
        )
        rows = [*(first.results or []), *(second.results or [])]
        check(len(rows) >= 3, "paging returned too few invoices")
        check(all(r.amount_due > 0 for r in rows), "query amountDue>0 not applied")
        amounts = [r.total_amount for r in rows]
        check(amounts == sorted(amounts, reverse=True), f"orderBy -totalAmount: {amounts}")
        check(len({r.id for r in rows}) == len(rows), "pages overlap")
        one = receivable.get(request={"company_id": company_id, "invoice_id": rows[0].id})
        check(one.id == rows[0].id, "invoices.get")
        customer_id = one.customer_ref.id
        theirs = receivable.list(
            request={
                "company_id": company_id,
                "query": f"customerRef.id={customer_id}&&{{amountDue>0||amountDue=0}}",
                "order_by": "-modifiedDate",
                "page_size": 5000,
            }
        )
        check(one.id in [r.id for r in theirs.results or []], "dot-path query lost the invoice")
        check(
            all(r.customer_ref.id == customer_id for r in theirs.results or []),
            "customerRef.id query not applied",
        )
        summary["invoices"] = total

    step("accounts_receivable.invoices", invoices)

    def customers() -> None:
        listed = lending.accounts_receivable.customers.list(
            request={"company_id": company_id, "order_by": "customerName", "page_size": 3}
        )
        check(len(listed.results or []) == 3, "customers page size")
        names = [c.customer_name for c in listed.results or []]
        check(names == sorted(names), f"orderBy customerName: {names}")
        one = lending.accounts_receivable.customers.get(
            request={"company_id": company_id, "customer_id": listed.results[0].id}
        )
        check(one.id == listed.results[0].id, "customers.get")
        summary["customers"] = listed.total_results

    step("accounts_receivable.customers", customers)

    def accounts() -> None:
        listed = lending.financial_statements.accounts.list(
            request={"company_id": company_id, "query": "type=Asset", "page_size": 100}
        )
        check((listed.total_results or 0) >= 1, "no asset accounts")
        check(all(_enum(a.type) == "Asset" for a in listed.results or []), "query type=Asset")
        lending.financial_statements.accounts.get(
            request={"company_id": company_id, "account_id": listed.results[0].id}
        )
        summary["asset_accounts"] = listed.total_results

    step("financial_statements.accounts", accounts)

    company_level: list[tuple[str, Any]] = [
        ("accounts_receivable.payments", lending.accounts_receivable.payments),
        ("accounts_receivable.credit_notes", lending.accounts_receivable.credit_notes),
        ("accounts_payable.suppliers", lending.accounts_payable.suppliers),
        ("accounts_payable.bills", lending.accounts_payable.bills),
        ("accounts_payable.bill_payments", lending.accounts_payable.bill_payments),
        ("accounts_payable.bill_credit_notes", lending.accounts_payable.bill_credit_notes),
        ("transactions.journal_entries", lending.transactions.journal_entries),
    ]
    for name, group in company_level:
        step(name, lambda group=group: group.list(request={"company_id": company_id}))

    connection_level: list[tuple[str, Any]] = [
        ("accounts_receivable.direct_incomes", lending.accounts_receivable.direct_incomes),
        ("transactions.direct_costs", lending.transactions.direct_costs),
        ("transactions.transfers", lending.transactions.transfers),
        ("transactions.account_transactions", lending.transactions.account_transactions),
    ]
    for name, group in connection_level:
        step(
            name,
            lambda group=group: group.list(
                request={"company_id": company_id, "connection_id": connection_id}
            ),
        )

    def bank() -> None:
        bank_accounts = lending.accounting_bank_data.accounts.list(
            request={"company_id": company_id, "connection_id": connection_id}
        )
        check((bank_accounts.total_results or 0) >= 1, "no bank accounts")
        account_id = bank_accounts.results[0].id
        lending.accounting_bank_data.accounts.get(
            request={
                "company_id": company_id,
                "connection_id": connection_id,
                "account_id": account_id,
            }
        )
        lending.accounting_bank_data.list_transactions(
            request={
                "company_id": company_id,
                "connection_id": connection_id,
                "account_id": account_id,
            }
        )

    step("accounting_bank_data", bank)

    def company_info() -> None:
        info = lending.company_info.get_accounting_profile(request={"company_id": company_id})
        check(bool(info.company_name), "no companyName")
        summary["company_name"] = info.company_name

    step("company_info.get_accounting_profile", company_info)

    # --- Settings and webhooks --------------------------------------------------------------
    def company_sync_settings() -> None:
        current = platform.companies.get_company_sync_settings(request={"company_id": company_id})
        settings = [s.model_dump(by_alias=True, exclude_none=True) for s in current.settings or []]
        check(bool(settings), "no company sync settings")
        for setting in settings:
            if setting["dataType"] == "invoices":
                setting["syncSchedule"] = 12
        platform.companies.set_company_sync_settings(
            request={
                "company_id": company_id,
                "request_body": {"companyId": company_id, "settings": settings},
            }
        )
        again = platform.companies.get_company_sync_settings(request={"company_id": company_id})
        schedule = {_enum(s.data_type): s.sync_schedule for s in again.settings or []}
        check(schedule.get("invoices") == 12, f"syncSchedule not saved: {schedule}")

    step("company sync settings", company_sync_settings)

    def profile_sync_settings() -> None:
        current = platform.settings.get_sync_settings()
        settings = [s.model_dump(by_alias=True, exclude_none=True) for s in current.settings or []]
        check(bool(settings), "no profile sync settings")
        platform.settings.update_sync_settings(
            request={"clientId": current.client_id, "settings": settings}
        )

    step("profile sync settings", profile_sync_settings)

    def webhooks() -> None:
        created = platform.webhooks.create_consumer(
            request={
                "url": "https://example.com/codat-webhooks",
                "event_types": ["read.completed", "connection.connected"],
            }
        )
        check(bool(created.id), "webhook consumer has no id")
        listed = platform.webhooks.list_consumers()
        check(created.id in [w.id for w in listed.results or []], "consumer not listed")
        platform.webhooks.delete_consumer(request={"webhook_id": created.id})
        after = platform.webhooks.list_consumers()
        check(created.id not in [w.id for w in after.results or []], "consumer not deleted")

    step("webhooks create/list/delete", webhooks)

    def api_keys() -> None:
        made = platform.settings.create_api_key(request={"name": "sdk second key"})
        check(bool(made.api_key), "new key not shown")
        listed = platform.settings.list_api_keys()
        check(made.id in [k.id for k in listed.results or []], "new key not listed")
        try:
            platform.settings.delete_api_key(request={"api_key_id": made.id})
        except ResponseValidationError as exc:
            # codat-platform 6.0.0 declares an ErrorMessage *body* for this 204 (as Codat's OpenAPI
            # file does) and fails on the empty body HTTP requires of a 204. What we can hold the
            # server to: it answered exactly 204, and the key is gone.
            check(exc.status_code == 204, f"delete api key answered {exc.status_code}")
        after = platform.settings.list_api_keys()
        check(made.id not in [k.id for k in after.results or []], "key not deleted")

    step("api keys create/list/delete", api_keys)

    def second_company() -> None:
        other = lending.companies.create(request={"name": "Temporary Co"})
        lending.companies.replace(
            request={
                "company_id": other.id,
                "company_request_body": {"name": "Temporary Co", "description": "replaced"},
            }
        )
        extra = lending.connections.create(
            request={"company_id": other.id, "request_body": {"platform_key": "pqsw"}}
        )
        lending.connections.delete(request={"company_id": other.id, "connection_id": extra.id})
        lending.companies.delete(request={"company_id": other.id})
        remaining = platform.companies.list()
        check(other.id not in [c.id for c in remaining.results or []], "company not deleted")

    step("companies replace/delete, connections delete", second_company)

    # --- Loan writeback: pushes, read back as create operations ----------------------------
    summary.update(drive_loan_writeback(lending, company_id, connection_id, step, check))

    # --- Unlink last: the data stays readable -----------------------------------------------
    def unlink() -> None:
        unlinked = platform.connections.unlink(
            request={
                "company_id": company_id,
                "connection_id": connection_id,
                "update_connection_status": {"status": "Unlinked"},
            }
        )
        check(_enum(unlinked.status) == "Unlinked", f"status after unlink {unlinked.status}")

    step("connections.unlink", unlink)
    return summary


def _enum(value: Any) -> str:
    """An SDK enum member or a plain string, as the string Codat sent."""
    return str(getattr(value, "value", value))


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"drive_sdks finished in {time.monotonic() - started:.1f}s", file=sys.stderr)
    sys.exit(code)
