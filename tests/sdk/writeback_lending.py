"""codat-lending's loan writeback, unchanged, against qbdsync: it creates a supplier, a bank
account, bank transactions, a direct cost, a payment and a transfer, and reads each push back
as a create operation. Runs inside .venv-sdk (imported by drive_sdks.py): SDKs and the standard
library only.

Each create must parse into the SDK's own response model (pydantic validates every field) and be
accepted (Pending or already Success), with no validation errors; reading the operation back by
its key must parse too, and list it among the company's create operations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codat_lending import CodatLending

Step = Callable[[str, Callable[[], Any]], Any]
Check = Callable[[bool, str], None]
ACCEPTED = ("Pending", "Success")


def _enum(value: Any) -> str:
    return str(getattr(value, "value", value))


def drive_loan_writeback(
    lending: CodatLending, company_id: str, connection_id: str, step: Step, check: Check
) -> dict[str, Any]:
    """Every loan-writeback create the lending guide uses; returns the push keys made."""
    summary: dict[str, Any] = {}
    where = {"company_id": company_id, "connection_id": connection_id}
    writeback = lending.loan_writeback
    keys: list[str] = []

    def accepted(name: str, made: Any) -> None:
        check(_enum(made.status) in ACCEPTED, f"{name}: status {made.status}")
        errors = made.validation.errors if made.validation is not None else None
        check(not errors, f"{name}: validation errors {errors}")
        keys.append(made.push_operation_key)

    found: dict[str, Any] = {}

    def references() -> None:
        suppliers = lending.accounts_payable.suppliers.list(
            request={"company_id": company_id, "page_size": 5}
        )
        check(bool(suppliers.results), "no suppliers to pay")
        found["supplier"] = suppliers.results[0].id
        expenses = lending.financial_statements.accounts.list(
            request={"company_id": company_id, "query": "type=Expense", "page_size": 5}
        )
        check(bool(expenses.results), "no expense accounts")
        found["expense"] = expenses.results[0].id
        banks = lending.accounting_bank_data.accounts.list(request={**where, "page_size": 100})
        debit = [a.id for a in banks.results or [] if _enum(a.account_type) == "Debit"]
        check(len(debit) >= 2, f"fewer than two bank accounts: {debit}")
        found["bank"], found["other_bank"] = debit[0], debit[1]
        customers = lending.accounts_receivable.customers.list(
            request={"company_id": company_id, "page_size": 5}
        )
        found["customer"] = customers.results[0].id

    step("loan writeback: references", references)
    if len(found) < 5:
        return summary

    def supplier() -> None:
        made = writeback.suppliers.create(
            request={
                **where,
                "accounting_supplier": {
                    "supplierName": "Lender Capital SDK",
                    "status": "Active",
                    "contactName": "Ann Lee",
                },
            }
        )
        accepted("suppliers", made)

    step("loan_writeback.suppliers.create", supplier)

    def bank_account() -> None:
        made = writeback.bank_accounts.create(
            request={
                **where,
                "accounting_bank_account": {
                    "accountName": "SDK Loan Account",
                    "accountType": "Debit",
                    "accountNumber": "77-1",
                    "currency": "USD",
                },
            }
        )
        accepted("bankAccounts", made)

    step("loan_writeback.bank_accounts.create", bank_account)

    def bank_transactions() -> None:
        made = writeback.bank_transactions.create(
            request={
                **where,
                "account_id": found["bank"],
                "accounting_create_bank_transactions": {
                    "accountId": found["bank"],
                    "transactions": [
                        {
                            "id": "sdk-drawdown-1",
                            "amount": 2500,
                            "date": "2024-07-04T00:00:00",
                            "description": "Loan drawdown",
                        }
                    ],
                },
            }
        )
        accepted("bankTransactions", made)

    step("loan_writeback.bank_transactions.create", bank_transactions)

    def direct_cost() -> None:
        made = writeback.direct_costs.create(
            request={
                **where,
                "direct_cost_prototype": {
                    "reference": "SDK-DC-1",
                    "note": "Loan interest",
                    "contactRef": {"id": found["supplier"], "dataType": "suppliers"},
                    "issueDate": "2024-07-01T00:00:00",
                    "currency": "USD",
                    "lineItems": [
                        {
                            "description": "Interest",
                            "quantity": 1,
                            "unitAmount": 100,
                            "subTotal": 100,
                            "taxAmount": 0,
                            "totalAmount": 100,
                            "accountRef": {"id": found["expense"]},
                        }
                    ],
                    "paymentAllocations": [
                        {
                            "payment": {"accountRef": {"id": found["bank"]}, "currency": "USD"},
                            "allocation": {"totalAmount": 100, "currency": "USD"},
                        }
                    ],
                    "subTotal": 100,
                    "taxAmount": 0,
                    "totalAmount": 100,
                },
            }
        )
        accepted("directCosts", made)

    step("loan_writeback.direct_costs.create", direct_cost)

    def payment() -> None:
        made = writeback.payments.create(
            request={
                **where,
                "accounting_payment": {
                    "customerRef": {"id": found["customer"]},
                    "accountRef": {"id": found["bank"]},
                    "totalAmount": 40,
                    "currency": "USD",
                    "date": "2024-07-06T00:00:00",
                    "reference": "SDK-PAY-1",
                    "lines": [{"amount": 40, "links": []}],
                },
            }
        )
        accepted("payments", made)

    step("loan_writeback.payments.create", payment)

    def transfer() -> None:
        made = writeback.transfers.create(
            request={
                **where,
                "accounting_transfer": {
                    "date": "2024-07-03T00:00:00",
                    "description": "Loan sweep",
                    "from": {"accountRef": {"id": found["bank"]}, "amount": 300, "currency": "USD"},
                    "to": {
                        "accountRef": {"id": found["other_bank"]},
                        "amount": 300,
                        "currency": "USD",
                    },
                },
            }
        )
        accepted("transfers", made)

    step("loan_writeback.transfers.create", transfer)

    def operations() -> None:
        check(bool(keys), "no push was accepted")
        for key in keys:
            one = writeback.create_operations.get(
                request={"company_id": company_id, "push_operation_key": key}
            )
            check(one.push_operation_key == key, f"create_operations.get {key}")
            errors = one.validation.errors if one.validation is not None else None
            check(not errors, f"{key}: validation errors {errors}")
        listed = writeback.create_operations.list(
            request={"company_id": company_id, "page_size": 100}
        )
        listed_keys = {p.push_operation_key for p in listed.results or []}
        check(set(keys) <= listed_keys, f"create_operations.list misses {set(keys) - listed_keys}")

    step("loan_writeback.create_operations get/list", operations)
    summary["loan_writeback_pushes"] = len(keys)
    return summary
