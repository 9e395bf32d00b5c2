"""Reading synced data through the API: paging, query and orderBy against a Python oracle,
single records, connection-level types, company info, deletions, pull status and history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbdsync.api.query.reference import matches, order
from tests.api.helpers import (
    Synced,
    Tenant,
    create_linkable,
    fetch_all,
    link_and_sync,
    new_tenant,
    serving,
)

COMPANY_TYPES = [
    "accounts",
    "billCreditNotes",
    "billPayments",
    "bills",
    "creditNotes",
    "customers",
    "invoices",
    "items",
    "journalEntries",
    "paymentMethods",
    "payments",
    "purchaseOrders",
    "salesOrders",
    "suppliers",
    "taxRates",
    "trackingCategories",
]
CONNECTION_TYPES = [
    "directCosts",
    "directIncomes",
    "transfers",
    "bankAccounts",
    "accountTransactions",
    "itemReceipts",
]
PULL_KEYS = {
    "id",
    "companyId",
    "connectionId",
    "dataType",
    "status",
    "statusDescription",
    "errorMessage",
    "requested",
    "completed",
    "progress",
    "isCompleted",
    "isErrored",
}


@dataclass
class Data:
    tenant: Tenant
    synced: Synced
    invoices: list[dict[str, Any]]  # every invoice, fetched page by page

    @property
    def api(self) -> httpx.Client:
        return self.tenant.api

    @property
    def base(self) -> str:
        return f"/companies/{self.synced.company_id}"

    @property
    def connection(self) -> str:
        return f"{self.base}/connections/{self.synced.connection_id}"


@pytest.fixture(scope="module")
def data(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Data]:
    with serving(module_database_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "reader")
        synced = link_and_sync(tenant, tmp_path_factory.mktemp("company"))
        invoices = fetch_all(tenant.api, f"/companies/{synced.company_id}/data/invoices")
        yield Data(tenant, synced, invoices)


def _ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def _assert_error(reply: httpx.Response, status: int, *words: str) -> None:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["statusCode"] == status
    for word in words:
        assert word in body["error"], body["error"]


# --- paging ---------------------------------------------------------------------------------


def test_the_envelope_and_its_links_walk_every_record_once(data: Data) -> None:
    total = len(data.invoices)
    assert total > 120
    first = data.api.get(f"{data.base}/data/invoices", params={"pageSize": 50}).json()
    assert set(first) == {"results", "pageNumber", "pageSize", "totalResults", "_links"}
    assert (first["pageNumber"], first["pageSize"], first["totalResults"]) == (1, 50, total)
    assert len(first["results"]) == 50
    links = first["_links"]
    assert links["self"]["href"].endswith(f"{data.base}/data/invoices")
    assert "page=1" in links["current"]["href"]
    assert links.get("previous") is None  # absent or null: both mean "no previous page"
    seen = _ids(first["results"])
    pages = 1
    while links.get("next"):
        reply = data.api.get(links["next"]["href"])
        assert reply.status_code == 200
        body = reply.json()
        pages += 1
        assert body["pageNumber"] == pages
        assert "page=" in body["_links"]["previous"]["href"]
        seen += _ids(body["results"])
        links = body["_links"]
    assert pages == -(-total // 50)
    assert len(seen) == len(set(seen)) == total
    assert sorted(seen) == sorted(_ids(data.invoices))
    # following "previous" from the last page comes back to the page before it
    back = data.api.get(links["previous"]["href"]).json()
    assert back["pageNumber"] == pages - 1


def test_a_page_past_the_end_is_empty(data: Data) -> None:
    body = data.api.get(f"{data.base}/data/invoices", params={"page": 1000}).json()
    assert body["results"] == [] and body["totalResults"] == len(data.invoices)
    assert body["_links"].get("next") is None


@pytest.mark.parametrize(
    "params",
    [{"pageSize": 0}, {"pageSize": 5001}, {"pageSize": -1}, {"page": 0}, {"page": -3}],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()),
)
def test_page_bounds_are_400(data: Data, params: dict[str, int]) -> None:
    _assert_error(data.api.get(f"{data.base}/data/invoices", params=params), 400, "page")


def test_page_size_5000_is_allowed(data: Data) -> None:
    body = data.api.get(f"{data.base}/data/invoices", params={"pageSize": 5000}).json()
    assert len(body["results"]) == len(data.invoices)


# --- query and orderBy against the Python oracle --------------------------------------------

QUERIES = [
    None,
    "amountDue>0",
    "amountDue=0",
    "status=Paid",
    "status!=Paid",
    "amountDue>0&&status=PartiallyPaid",
    "{status=Paid||status=Void}&&totalAmount>=1000",
    "totalAmount<250||totalAmount>5000",
    "customerRef.companyName~an",
    "customerRef.companyName~AN&&amountDue>0",
    "invoiceNumber>1200",
    "issueDate>=2024-09-01&&issueDate<2024-12-01",
    "metadata.isDeleted=false",
    "currencyRate=1",
    "paidOnDate=null",
    "note~x",
]
ORDERS = [None, "-totalAmount", "issueDate", "-modifiedDate", "customerRef.companyName,-id", "note"]


@pytest.mark.parametrize("order_by", ORDERS)
@pytest.mark.parametrize("query", QUERIES)
def test_query_and_order_match_a_python_evaluation(
    data: Data, query: str | None, order_by: str | None
) -> None:
    params = {k: v for k, v in (("query", query), ("orderBy", order_by)) if v is not None}
    got = fetch_all(data.api, f"{data.base}/data/invoices", page_size=37, **params)
    expected = order([r for r in data.invoices if matches(query, r)], order_by)
    assert _ids(got) == _ids(expected)


@pytest.mark.parametrize(
    ("data_type", "query", "order_by"),
    [
        ("customers", "customerName~a&&status=Active", "-customerName"),
        ("accounts", "type=Asset||type=Liability", "nominalCode"),
        ("bills", "amountDue>0&&status=Open", "-dueDate"),
        ("payments", "totalAmount>=500", "-totalAmount"),
        ("items", "isBillItem=true", "name"),
    ],
)
def test_other_types_match_the_oracle_too(
    data: Data, data_type: str, query: str, order_by: str
) -> None:
    every = fetch_all(data.api, f"{data.base}/data/{data_type}")
    got = fetch_all(
        data.api, f"{data.base}/data/{data_type}", page_size=7, query=query, orderBy=order_by
    )
    assert _ids(got) == _ids(order([r for r in every if matches(query, r)], order_by))


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("amountDue>", ["query", "expected a value"]),
        ("{status=Paid", ["query", "'}'"]),
        ("&&", ["query", "property name"]),
        ("amountDue", ["query", "operator"]),
        ("amountDue>0||", ["query"]),
        ("x" * 2049, ["query", "2048"]),
        ("status=" + "P" * 2100, ["query", "2048"]),
    ],
    ids=["no value", "open group", "no name", "no operator", "dangling or", "long", "long value"],
)
def test_bad_queries_are_400_with_a_clear_message(data: Data, query: str, words: list[str]) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"query": query})
    _assert_error(reply, 400, *words)
    assert len(reply.json()["error"]) < 300


@pytest.mark.parametrize("order_by", ["-", "--x", "a,,b", "amountDue desc"])
def test_bad_order_by_is_400(data: Data, order_by: str) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"orderBy": order_by})
    _assert_error(reply, 400, "orderBy")


def _assert_codat_error(reply: httpx.Response, parameter: str, *words: str) -> dict[str, Any]:
    """A 400 in Codat's error shape whose message and validation name the bad parameter."""
    _assert_error(reply, 400, *words)
    body = reply.json()
    assert set(body) == {
        "statusCode",
        "service",
        "error",
        "correlationId",
        "validation",
        "canBeRetried",
        "detailedErrorCode",
    }
    assert body["service"] == "qbdsync" and body["correlationId"]
    assert body["canBeRetried"] == "False"
    (item,) = body["validation"]["errors"]
    assert item["itemId"] == parameter and item["message"] == body["error"]
    assert body["validation"]["warnings"] == []
    return body


def test_a_doubled_operator_is_400_naming_the_position(data: Data) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"query": "amountDue>>0"})
    _assert_codat_error(reply, "query", "second operator '>'", "at position 10")
    # Quoted, the same text is a value like any other.
    quoted = data.api.get(f"{data.base}/data/invoices", params={"query": 'note=">0"'})
    assert quoted.status_code == 200, quoted.text


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("foo=1", ["unknown field 'foo' at position 0", "invoices have: ", "amountDue"]),
        (
            "amountDue>0&&customerRef.nope=1",
            [
                "unknown field 'customerRef.nope' at position 13",
                "'customerRef' has: companyName, id",
            ],
        ),
        ("status.x=Paid", ["unknown field 'status.x'", "'status' has no fields below it"]),
    ],
    ids=["top level", "nested", "below a value"],
)
def test_an_unknown_field_is_400_naming_it_and_the_fields_that_exist(
    data: Data, query: str, words: list[str]
) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"query": query})
    _assert_codat_error(reply, "query", *words)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("customerRef=1", ["'customerRef' at position 0 is an object", "companyName, id"]),
        ("lineItems.description~a", ["'lineItems' at position 0 is a list", "cannot be filtered"]),
        ("amountDue>1e400", ["the number '1e400' is out of range", "at position 10"]),
        ("amountDue>" + "9" * 400, ["the number '999", "out of range"]),
    ],
    ids=["object", "list", "exponent", "digits"],
)
def test_objects_lists_and_numbers_out_of_range_are_400(
    data: Data, query: str, words: list[str]
) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"query": query})
    _assert_codat_error(reply, "query", *words)


def test_zero_with_any_exponent_is_zero(data: Data) -> None:
    for query in ("amountDue>0e-999999999", "amountDue<-0e99999"):
        got = fetch_all(data.api, f"{data.base}/data/invoices", query=query)
        assert _ids(got) == _ids([r for r in data.invoices if matches(query, r)])
    assert any(r["amountDue"] > 0 for r in data.invoices)


def test_an_unknown_order_by_field_is_400(data: Data) -> None:
    reply = data.api.get(f"{data.base}/data/invoices", params={"orderBy": "zzz"})
    _assert_codat_error(reply, "orderBy", "unknown field 'zzz' at position 0", "invoices have: ")
    reply = data.api.get(f"{data.base}/data/invoices", params={"orderBy": "issueDate,-zzz.a"})
    _assert_codat_error(reply, "orderBy", "unknown field 'zzz.a' at position 11")


@pytest.mark.parametrize("data_type", ["customers", "bills", "accounts", "taxRates"])
def test_each_type_checks_against_its_own_fields(data: Data, data_type: str) -> None:
    reply = data.api.get(f"{data.base}/data/{data_type}", params={"query": "invoiceNumber=1"})
    _assert_codat_error(reply, "query", "unknown field 'invoiceNumber'", f"{data_type} have: ")


def test_connection_level_and_bank_transaction_routes_check_fields(data: Data) -> None:
    reply = data.api.get(f"{data.connection}/data/directCosts", params={"query": "foo=1"})
    _assert_codat_error(reply, "query", "unknown field 'foo'", "directCosts have: ")
    reply = data.api.get(f"{data.connection}/data/directCosts", params={"orderBy": "-zzz"})
    _assert_codat_error(reply, "orderBy", "unknown field 'zzz' at position 1")
    account = fetch_all(data.api, f"{data.connection}/data/bankAccounts")[0]
    path = f"{data.connection}/data/bankAccounts/{account['id']}/bankTransactions"
    reply = data.api.get(path, params={"query": "amountDue<0"})
    _assert_codat_error(reply, "query", "unknown field 'amountDue'", "bankTransactions have: ")
    assert data.api.get(path, params={"query": "amount<0", "orderBy": "-date"}).status_code == 200


def test_platform_lists_check_fields_too(data: Data) -> None:
    # A real field inside a list is refused: lists cannot be filtered (see docs/query.md).
    companies = data.api.get("/companies", params={"query": "dataConnections.status=Linked"})
    _assert_codat_error(companies, "query", "'dataConnections' at position 0 is a list")
    named = data.api.get("/companies", params={"query": "name=Acme", "orderBy": "-lastSync"})
    assert [c["id"] for c in named.json()["results"]] == [data.synced.company_id]
    reply = data.api.get("/companies", params={"query": "foo=1"})
    _assert_codat_error(
        reply, "query", "unknown field 'foo'", "companies have: ", "dataConnections"
    )
    reply = data.api.get("/companies", params={"orderBy": "zzz"})
    _assert_codat_error(reply, "orderBy", "unknown field 'zzz'", "companies have: ")
    reply = data.api.get(f"{data.base}/connections", params={"query": "dataConnections.id=1"})
    _assert_codat_error(reply, "query", "unknown field 'dataConnections.id'", "connections have: ")
    reply = data.api.get(f"{data.base}/data/history", params={"orderBy": "-when"})
    _assert_codat_error(reply, "orderBy", "unknown field 'when'", "pull operations have: ")
    reply = data.api.get("/integrations", params={"query": "name>>a"})
    _assert_codat_error(reply, "query", "second operator '>'")
    history = data.api.get(f"{data.base}/data/history", params={"orderBy": "-requested"})
    assert history.status_code == 200, history.text


def test_a_2048_character_query_is_accepted(data: Data) -> None:
    query = "invoiceNumber!=" + "X" * (2048 - len("invoiceNumber!="))
    assert len(query) == 2048
    body = data.api.get(f"{data.base}/data/invoices", params={"query": query}).json()
    assert body["totalResults"] == len(data.invoices)


# --- single records, connection-level types, info ----------------------------------------------


@pytest.mark.parametrize("data_type", COMPANY_TYPES)
def test_each_company_type_serves_its_records_by_id(data: Data, data_type: str) -> None:
    page = data.api.get(f"{data.base}/data/{data_type}", params={"pageSize": 3}).json()
    assert page["totalResults"] > 0, data_type
    for record in page["results"]:
        assert record["metadata"]["isDeleted"] is False
        assert record["modifiedDate"].endswith("Z")
        one = data.api.get(f"{data.base}/data/{data_type}/{record['id']}")
        assert one.status_code == 200
        assert one.json() == record
    _assert_error(data.api.get(f"{data.base}/data/{data_type}/no-such-id"), 404)


@pytest.mark.parametrize("data_type", CONNECTION_TYPES)
def test_each_connection_type_is_served_per_connection(data: Data, data_type: str) -> None:
    per_connection = fetch_all(data.api, f"{data.connection}/data/{data_type}")
    assert per_connection, data_type
    for record in per_connection[:3]:
        one = data.api.get(f"{data.connection}/data/{data_type}/{record['id']}")
        assert one.status_code == 200 and one.json() == record
    _assert_error(data.api.get(f"{data.connection}/data/{data_type}/no-such-id"), 404)
    # the company-wide view (one connection here) has the same records
    assert _ids(fetch_all(data.api, f"{data.base}/data/{data_type}")) == _ids(per_connection)


def test_bank_transactions_belong_to_their_account(data: Data) -> None:
    accounts = fetch_all(data.api, f"{data.connection}/data/bankAccounts")
    seen = 0
    for account in accounts:
        path = f"{data.connection}/data/bankAccounts/{account['id']}/bankTransactions"
        transactions = fetch_all(data.api, path, page_size=20)
        assert all(t["accountId"] == account["id"] for t in transactions)
        seen += len(transactions)
        if transactions:
            negative = fetch_all(data.api, path, query="amount<0", orderBy="-date")
            assert _ids(negative) == _ids(
                order([t for t in transactions if matches("amount<0", t)], "-date")
            )
    assert seen > 0
    missing = f"{data.connection}/data/bankAccounts/no-such-account/bankTransactions"
    _assert_error(data.api.get(missing), 404)


def test_a_transfer_between_two_bank_accounts_is_in_both_accounts_transactions(
    data: Data,
) -> None:
    """Money out of the "from" account and into the "to" account, each listed under its own
    account, with ids of their own."""
    banks = {a["id"] for a in fetch_all(data.api, f"{data.connection}/data/bankAccounts")}
    between_banks = [
        t
        for t in fetch_all(data.api, f"{data.connection}/data/transfers")
        if t["from"]["accountRef"]["id"] in banks and t["to"]["accountRef"]["id"] in banks
    ]
    assert between_banks, "the simulated company has no transfer between two bank accounts"

    def transactions_of(account_id: str) -> dict[str, dict[str, Any]]:
        path = f"{data.connection}/data/bankAccounts/{account_id}/bankTransactions"
        return {t["id"]: t for t in fetch_all(data.api, path, page_size=500)}

    by_account: dict[str, dict[str, dict[str, Any]]] = {}
    for transfer in between_banks[:5]:
        source, target = transfer["from"]["accountRef"]["id"], transfer["to"]["accountRef"]["id"]
        for account_id in (source, target):
            if account_id not in by_account:
                by_account[account_id] = transactions_of(account_id)
        out = by_account[source][f"{transfer['id']}-from"]
        into = by_account[target][f"{transfer['id']}-to"]
        amount = transfer["from"]["amount"]
        assert (out["accountId"], out["amount"], out["transactionType"]) == (
            source,
            -amount,
            "Xfer",
        )
        assert (into["accountId"], into["amount"], into["transactionType"]) == (
            target,
            amount,
            "Xfer",
        )
        # Neither side is listed under the other account, nor under the transfer's own id.
        assert f"{transfer['id']}-to" not in by_account[source]
        assert f"{transfer['id']}-from" not in by_account[target]
        assert transfer["id"] not in by_account[source]
        # The account transactions are two as well, both pointing at the transfer.
        for side, account_id in (("-from", source), ("-to", target)):
            one = data.api.get(f"{data.base}/data/accountTransactions/{transfer['id']}{side}")
            assert one.status_code == 200, one.text
            body = one.json()
            assert body["bankAccountRef"]["id"] == account_id
            assert body["transactionId"] == transfer["id"]


def test_company_info(data: Data) -> None:
    info = data.api.get(f"{data.base}/data/info")
    assert info.status_code == 200
    body = info.json()
    assert body["companyName"]
    assert body["baseCurrency"]
    assert body["modifiedDate"].endswith("Z")


def test_unknown_company_or_connection_is_404(data: Data) -> None:
    _assert_error(data.api.get("/companies/no-such-company/data/invoices"), 404)
    other = f"{data.base}/connections/no-such-connection/data/transfers"
    _assert_error(data.api.get(other), 404)


# --- status and history ------------------------------------------------------------------------


def test_data_status_shape(data: Data) -> None:
    status = data.api.get(f"{data.base}/dataStatus").json()
    assert {"invoices", "customers", "bills", "bankAccounts"} <= set(status)
    for data_type, entry in status.items():
        assert set(entry) == {
            "dataType",
            "currentStatus",
            "lastSuccessfulSync",
            "latestSyncId",
            "latestSuccessfulSyncId",
        }
        assert entry["dataType"] == data_type
    invoices = status["invoices"]
    assert invoices["currentStatus"] == "Complete"
    assert invoices["latestSuccessfulSyncId"] == invoices["latestSyncId"]
    assert invoices["lastSuccessfulSync"].endswith("Z")


def test_data_history_shape_and_one_operation(data: Data) -> None:
    history = data.api.get(f"{data.base}/data/history", params={"pageSize": 5}).json()
    assert history["totalResults"] >= len(history["results"]) == 5
    assert history["_links"]["next"]["href"]
    for operation in history["results"]:
        assert set(operation) == PULL_KEYS
        assert operation["companyId"] == data.synced.company_id
        one = data.api.get(f"{data.base}/data/history/{operation['id']}")
        assert one.status_code == 200 and one.json() == operation
    complete = data.api.get(
        f"{data.base}/data/history", params={"query": "status=Complete&&dataType=invoices"}
    ).json()
    assert complete["totalResults"] >= 1
    assert all(o["isCompleted"] and o["progress"] == 100 for o in complete["results"])
    _assert_error(data.api.get(f"{data.base}/data/history/no-such-operation"), 404)


def test_queue_an_unknown_data_type_is_400(data: Data) -> None:
    _assert_error(data.api.post(f"{data.base}/data/queue/notAType"), 400, "notAType")


# --- before the first sync, and after churn ----------------------------------------------------


def test_queue_before_the_connector_ever_called_is_queued(sqlite_url: str) -> None:
    with serving(sqlite_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "new")
        company_id, connection = create_linkable(tenant, "Never synced")
        reply = tenant.api.post(f"/companies/{company_id}/data/queue/invoices")
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert set(body) == PULL_KEYS
        assert body["status"] == "Queued"
        assert body["statusDescription"] == "Waiting for the connector"
        assert body["connectionId"] == connection["id"]
        assert body["dataType"] == "invoices"
        assert not body["isCompleted"] and not body["isErrored"]
        with_connection = tenant.api.post(
            f"/companies/{company_id}/data/queue/customers",
            params={"connectionId": connection["id"]},
        )
        assert with_connection.status_code == 200
        # reading before any sync: empty pages, and info says why without a 5xx
        invoices = tenant.api.get(f"/companies/{company_id}/data/invoices").json()
        assert invoices["totalResults"] == 0
        info = tenant.api.get(f"/companies/{company_id}/data/info")
        assert info.status_code == 404
        assert "not synced" in info.json()["error"]
        status = tenant.api.get(f"/companies/{company_id}/dataStatus")
        assert status.status_code == 200


def test_deleted_records_are_marked_after_churn_and_an_incremental_sync(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with serving(database_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "churn")
        synced = link_and_sync(tenant, tmp_path)
        base = f"/companies/{synced.company_id}"
        before = {t: fetch_all(tenant.api, f"{base}/data/{t}") for t in COMPANY_TYPES}
        assert tenant.api.post(f"{base}/data/all").status_code == 204
        second = synced.sync(churn=40)
        assert not second.errors, second
        deleted: list[tuple[str, dict[str, Any]]] = []
        for data_type in COMPANY_TYPES:
            after = fetch_all(tenant.api, f"{base}/data/{data_type}")
            flagged = [r for r in after if r["metadata"]["isDeleted"]]
            queried = fetch_all(
                tenant.api, f"{base}/data/{data_type}", query="metadata.isDeleted=true"
            )
            assert _ids(queried) == _ids(flagged)
            previously_live = set(_ids(before[data_type]))
            deleted += [(data_type, r) for r in flagged if r["id"] in previously_live]
        assert deleted, "churn should delete some records"
        for data_type, record in deleted:
            one = tenant.api.get(f"{base}/data/{data_type}/{record['id']}").json()
            assert one["metadata"]["isDeleted"] is True
