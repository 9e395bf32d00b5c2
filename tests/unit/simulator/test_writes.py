"""Writes against the simulated QuickBooks: built by qbdsync's write builder, read back by query.

These tests use the codec's builder on purpose (unlike the query tests): what they check is that
the requests the server will send are what the simulated QuickBooks accepts, and that it then
behaves as QuickBooks does.
"""

from __future__ import annotations

from typing import Any

import pytest

from qbdsync.qbxml.schema import QUERY_REQUEST_ORDER
from qbdsync.qbxml.writes import (
    AddRequest,
    DelRequest,
    Field,
    ModRequest,
    WriteRequest,
    build_recovery_clear,
    build_recovery_query,
    build_write_set,
    ref,
)
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.message_sets import DropWrite, ResponseLost, parse_drop_write
from qbdsync.simulator.quickbooks import QuickBooksHResultError, SimulatedQuickBooks
from qbdsync.simulator.writes import set_closing_date

from .helpers import Rs, one, qbxml, responses

_guids = iter(f"{{6B29FC40-CA47-1067-B31D-{n:012X}}}" for n in range(1, 10_000))


def guid() -> str:
    return next(_guids)


def send(quickbooks: SimulatedQuickBooks, *requests: WriteRequest, **attrs: Any) -> Rs:
    return one(quickbooks.process(build_write_set("16.0", list(requests), **attrs)))


def first(company: SimulatedCompany, ret_type: str, test: Any = None) -> dict[str, Any]:
    return next(r for r in company.records(ret_type) if test is None or test(r))


def account(company: SimulatedCompany, kind: str) -> dict[str, Any]:
    return first(company, "AccountRet", lambda a: a["AccountType"] == kind)


def query(quickbooks: SimulatedQuickBooks, rq: str, id_name: str, value: str) -> Rs:
    body = f'<{rq} requestID="q"><{id_name}>{value}</{id_name}>'
    allowed = {
        name
        for slot in QUERY_REQUEST_ORDER[rq]
        for name in (slot if isinstance(slot, tuple) else (slot,))
    }
    for flag in ("IncludeLineItems", "IncludeLinkedTxns"):
        if flag in allowed:
            body += f"<{flag}>true</{flag}>"
    return one(quickbooks.process(qbxml(body + f"</{rq}>")))


def add_invoice(
    quickbooks: SimulatedQuickBooks, customer: dict[str, Any], amount: str = "100.00"
) -> dict[str, Any]:
    company = quickbooks.company
    item = first(company, "ItemServiceRet", lambda i: i["IsActive"] == "true")
    rs = send(
        quickbooks,
        AddRequest(
            "Invoice",
            "1",
            (
                ("CustomerRef", ref(customer["ListID"])),
                ("InvoiceLineAdd", (("ItemRef", ref(item["ListID"])), ("Amount", amount))),
            ),
            external_guid=guid(),
        ),
    )
    assert rs.status == 0, rs.attributes
    return rs.records[0]


def top_customer(company: SimulatedCompany) -> dict[str, Any]:
    return first(company, "CustomerRet", lambda c: "ParentRef" not in c)


# -- round trips ------------------------------------------------------------------------------


def test_customer_add_is_stored_once_and_read_back(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    before = company.count("CustomerRet")
    external = guid()
    rs = send(
        quickbooks,
        AddRequest(
            "Customer",
            "1",
            (
                ("Name", "Brand New Caf\u00e9"),
                ("BillAddress", (("City", "Springfield"), ("Addr1", "1 Main St"))),
            ),
            external_guid=external,
        ),
        new_message_set_id="m1",
    )
    assert rs.name == "CustomerAddRs" and rs.status == 0
    (record,) = rs.records
    assert company.count("CustomerRet") == before + 1
    assert record["Name"] == "Brand New Caf\u00e9" and record["FullName"] == record["Name"]
    assert record["ExternalGUID"] == external
    assert record["BillAddress"] == {"Addr1": "1 Main St", "City": "Springfield"}
    list_id, edit_sequence = record["ListID"], record["EditSequence"]
    counter, _, unix = list_id.partition("-")
    assert len(counter) == 8 and unix.isdigit() and edit_sequence.isdigit()
    assert record["TimeCreated"] == record["TimeModified"]
    read = query(quickbooks, "CustomerQueryRq", "ListID", list_id)
    assert read.records[0]["ListID"] == list_id
    assert read.records[0]["EditSequence"] == edit_sequence


def test_invoice_add_computes_totals_and_is_queryable(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    before = company.count("InvoiceRet")
    invoice = add_invoice(quickbooks, top_customer(company), "125.50")
    assert company.count("InvoiceRet") == before + 1
    assert invoice["Subtotal"] == "125.50" and invoice["BalanceRemaining"] == "125.50"
    assert invoice["IsPaid"] == "false"
    (line,) = invoice["InvoiceLineRet"]
    assert line["TxnLineID"] != invoice["TxnID"]
    read = query(quickbooks, "InvoiceQueryRq", "TxnID", invoice["TxnID"])
    assert read.records[0]["InvoiceLineRet"][0]["Amount"] == "125.50"


def test_each_kind_round_trips(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    customer = top_customer(company)
    vendor = first(company, "VendorRet")
    item = first(company, "ItemServiceRet")
    bank, expense = account(company, "Bank"), account(company, "Expense")
    income = account(company, "Income")
    requests: list[tuple[str, tuple[Field, ...], bool]] = [
        ("Account", (("Name", "Loan 42"), ("AccountType", "LongTermLiability")), False),
        ("Vendor", (("Name", "A Brand New Supplier"),), True),
        (
            "ItemService",
            (
                ("Name", "Consulting X"),
                ("SalesOrPurchase", (("Price", "90.00"), ("AccountRef", ref(income["ListID"])))),
            ),
            True,
        ),
        (
            "CreditMemo",
            (
                ("CustomerRef", ref(customer["ListID"])),
                ("CreditMemoLineAdd", (("ItemRef", ref(item["ListID"])), ("Amount", "5.00"))),
            ),
            True,
        ),
        (
            "SalesReceipt",
            (
                ("CustomerRef", ref(customer["ListID"])),
                ("SalesReceiptLineAdd", (("ItemRef", ref(item["ListID"])), ("Amount", "7"))),
            ),
            True,
        ),
        (
            "Bill",
            (
                ("VendorRef", ref(vendor["ListID"])),
                ("RefNumber", "B-77"),
                ("ExpenseLineAdd", (("AccountRef", ref(expense["ListID"])), ("Amount", "40"))),
            ),
            True,
        ),
        (
            "VendorCredit",
            (
                ("VendorRef", ref(vendor["ListID"])),
                ("ExpenseLineAdd", (("AccountRef", ref(expense["ListID"])), ("Amount", "4"))),
            ),
            True,
        ),
        (
            "JournalEntry",
            (
                ("JournalDebitLine", (("AccountRef", ref(expense["ListID"])), ("Amount", "9"))),
                ("JournalCreditLine", (("AccountRef", ref(bank["ListID"])), ("Amount", "9"))),
            ),
            True,
        ),
        (
            "Check",
            (
                ("AccountRef", ref(bank["ListID"])),
                ("PayeeEntityRef", ref(vendor["ListID"])),
                ("ExpenseLineAdd", (("AccountRef", ref(expense["ListID"])), ("Amount", "12.5"))),
            ),
            True,
        ),
        (
            "Deposit",
            (
                ("DepositToAccountRef", ref(bank["ListID"])),
                ("DepositLineAdd", (("AccountRef", ref(income["ListID"])), ("Amount", "30"))),
            ),
            True,
        ),
        (
            "Transfer",
            (
                ("TransferFromAccountRef", ref(bank["ListID"])),
                ("TransferToAccountRef", ref(account(company, "CreditCard")["ListID"])),
                ("Amount", "15"),
            ),
            False,
        ),
        (
            "PurchaseOrder",
            (
                ("VendorRef", ref(vendor["ListID"])),
                (
                    "PurchaseOrderLineAdd",
                    (("ItemRef", ref(item["ListID"])), ("Quantity", "3"), ("Rate", "2.5")),
                ),
            ),
            True,
        ),
    ]
    for kind, fields, takes_guid in requests:
        ret = kind + "Ret"
        before = company.count(ret)
        rs = send(
            quickbooks, AddRequest(kind, "1", fields, external_guid=guid() if takes_guid else None)
        )
        assert rs.status == 0, (kind, rs.attributes)
        assert company.count(ret) == before + 1, kind
        record = rs.records[0]
        id_name = "TxnID" if "TxnID" in record else "ListID"
        read = query(quickbooks, f"{kind}QueryRq", id_name, record[id_name])
        assert read.status == 0 and read.records[0][id_name] == record[id_name], kind
    assert company.get("PurchaseOrderRet", record["TxnID"])["TotalAmount"] == "7.50"


# -- QuickBooks' rules --------------------------------------------------------------------------


def test_a_name_used_by_a_vendor_cannot_name_a_customer(quickbooks: SimulatedQuickBooks) -> None:
    vendor = first(quickbooks.company, "VendorRet")
    rs = send(quickbooks, AddRequest("Customer", "1", (("Name", vendor["Name"].upper()),), guid()))
    assert rs.status == 3100
    assert "Vendor list" in rs.attributes["statusMessage"]


def test_stale_edit_sequence_is_3200_and_current_one_applies(
    quickbooks: SimulatedQuickBooks,
) -> None:
    customer = top_customer(quickbooks.company)
    stale = str(int(customer["EditSequence"]) - 1)
    rs = send(quickbooks, ModRequest("Customer", "1", customer["ListID"], stale, (("Phone", "1"),)))
    assert rs.status == 3200
    rs = send(
        quickbooks,
        ModRequest(
            "Customer", "2", customer["ListID"], customer["EditSequence"], (("Phone", "555"),)
        ),
    )
    assert rs.status == 0
    changed = rs.records[0]
    assert changed["Phone"] == "555" and changed["EditSequence"] != customer["EditSequence"]
    assert quickbooks.company.get("CustomerRet", customer["ListID"])["Phone"] == "555"


def test_unknown_id_is_3000(quickbooks: SimulatedQuickBooks) -> None:
    rs = send(quickbooks, ModRequest("Customer", "1", "8FFFFFFF-1", "1", (("Phone", "1"),)))
    assert rs.status == 3000


def test_closing_date_is_3171(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    set_closing_date(company, "2099-12-31")
    before = company.count("InvoiceRet")
    customer = top_customer(company)
    rs = send(
        quickbooks,
        AddRequest("Invoice", "1", (("CustomerRef", ref(customer["ListID"])),), guid()),
    )
    assert rs.status == 3171
    assert company.count("InvoiceRet") == before
    prefs = one(quickbooks.process(qbxml('<PreferencesQueryRq requestID="p"/>')))
    assert prefs.records[0]["AccountingPreferences"]["ClosingDate"] == "2099-12-31"


def test_invalid_reference_is_3140_and_nothing_is_stored(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    before = company.count("InvoiceRet")
    rs = send(
        quickbooks,
        AddRequest("Invoice", "1", (("CustomerRef", ref(full_name="Nobody At All")),), guid()),
    )
    assert rs.status == 3140 and "Nobody At All" in rs.attributes["statusMessage"]
    assert company.count("InvoiceRet") == before


def test_out_of_order_element_rejects_the_whole_set(quickbooks: SimulatedQuickBooks) -> None:
    customer = top_customer(quickbooks.company)
    body = (
        '<InvoiceAddRq requestID="1"><InvoiceAdd><Memo>m</Memo>'
        f"<CustomerRef><ListID>{customer['ListID']}</ListID></CustomerRef>"
        "</InvoiceAdd></InvoiceAddRq>"
    )
    before = quickbooks.company.count("InvoiceRet")
    with pytest.raises(QuickBooksHResultError) as raised:
        quickbooks.process(qbxml(body))
    assert raised.value.hresult == "0x80040400"
    assert "out of order" in raised.value.message
    assert quickbooks.company.count("InvoiceRet") == before


def test_credit_card_charge_mod_changes_the_charge(quickbooks: SimulatedQuickBooks) -> None:
    charge = first(quickbooks.company, "CreditCardChargeRet")
    rs = send(
        quickbooks,
        ModRequest(
            "CreditCardCharge", "1", charge["TxnID"], charge["EditSequence"], (("Memo", "fuel"),)
        ),
    )
    assert rs.status == 0, rs.attributes
    stored = quickbooks.company.get("CreditCardChargeRet", charge["TxnID"])
    assert stored["Memo"] == "fuel" and stored["EditSequence"] != charge["EditSequence"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        # IsTaxAgency is in VendorRet only: QuickBooks does not take it in a VendorAdd.
        (
            "<VendorAdd><Name>Tax Office</Name><IsTaxAgency>true</IsTaxAgency></VendorAdd>",
            "not allowed",
        ),
        (
            "<JournalEntryAdd><IsHomeCurrencyAdjustment>true</IsHomeCurrencyAdjustment>"
            "<ExchangeRate>1.2</ExchangeRate></JournalEntryAdd>",
            "alternatives",
        ),
        (
            "<ItemNonInventoryAdd><Name>N</Name><ClassRef><FullName>C</FullName></ClassRef>"
            "<ParentRef><FullName>P</FullName></ParentRef></ItemNonInventoryAdd>",
            "out of order",
        ),
    ],
)
def test_requests_outside_the_schema_are_refused(
    quickbooks: SimulatedQuickBooks, body: str, why: str
) -> None:
    rq = body[1 : body.index(">")] + "Rq"
    with pytest.raises(QuickBooksHResultError) as raised:
        quickbooks.process(qbxml(f'<{rq} requestID="1">{body}</{rq}>'))
    assert raised.value.hresult == "0x80040400"
    assert why in raised.value.message


def test_payment_settles_invoice_and_deleting_it_reopens(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    customer = top_customer(company)
    invoice = add_invoice(quickbooks, customer, "100.00")
    payment_fields: tuple[Field, ...] = (
        ("CustomerRef", ref(customer["ListID"])),
        ("TotalAmount", "60.00"),
        ("AppliedToTxnAdd", (("TxnID", invoice["TxnID"]), ("PaymentAmount", "60.00"))),
    )
    too_much = send(
        quickbooks,
        AddRequest(
            "ReceivePayment",
            "1",
            (
                ("CustomerRef", ref(customer["ListID"])),
                ("TotalAmount", "160.00"),
                ("AppliedToTxnAdd", (("TxnID", invoice["TxnID"]), ("PaymentAmount", "160.00"))),
            ),
            guid(),
        ),
    )
    assert too_much.status == 3210
    rs = send(quickbooks, AddRequest("ReceivePayment", "2", payment_fields, guid()))
    assert rs.status == 0
    payment = rs.records[0]
    assert payment["AppliedToTxnRet"][0]["BalanceRemaining"] == "40.00"
    stored = company.get("InvoiceRet", invoice["TxnID"])
    assert stored["BalanceRemaining"] == "40.00" and stored["AppliedAmount"] == "-60.00"
    assert stored["LinkedTxn"][0]["TxnID"] == payment["TxnID"]
    assert stored["EditSequence"] != invoice["EditSequence"]
    refused = send(quickbooks, DelRequest("Invoice", "3", invoice["TxnID"]))
    assert refused.status == 3180
    deleted = send(quickbooks, DelRequest("ReceivePayment", "4", payment["TxnID"]))
    assert deleted.status == 0 and deleted.name == "TxnDelRs"
    reopened = company.get("InvoiceRet", invoice["TxnID"])
    assert reopened["BalanceRemaining"] == "100.00" and "LinkedTxn" not in reopened
    assert company.get("ReceivePaymentRet", payment["TxnID"]) is None


def test_bill_payment_settles_bill(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    vendor = first(company, "VendorRet")
    expense, bank = account(company, "Expense"), account(company, "Bank")
    bill = send(
        quickbooks,
        AddRequest(
            "Bill",
            "1",
            (
                ("VendorRef", ref(vendor["ListID"])),
                ("ExpenseLineAdd", (("AccountRef", ref(expense["ListID"])), ("Amount", "80"))),
            ),
            guid(),
        ),
    ).records[0]
    assert bill["AmountDue"] == "80.00" and bill["OpenAmount"] == "80.00"
    rs = send(
        quickbooks,
        AddRequest(
            "BillPaymentCheck",
            "2",
            (
                ("PayeeEntityRef", ref(vendor["ListID"])),
                ("BankAccountRef", ref(bank["ListID"])),
                ("AppliedToTxnAdd", (("TxnID", bill["TxnID"]), ("PaymentAmount", "80.00"))),
            ),
            guid(),
        ),
    )
    assert rs.status == 0 and rs.records[0]["Amount"] == "80.00"
    paid = company.get("BillRet", bill["TxnID"])
    assert paid["IsPaid"] == "true" and paid["OpenAmount"] == "0.00"


def test_unbalanced_journal_entry_is_refused(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    expense, bank = account(company, "Expense"), account(company, "Bank")
    rs = send(
        quickbooks,
        AddRequest(
            "JournalEntry",
            "1",
            (
                ("JournalDebitLine", (("AccountRef", ref(expense["ListID"])), ("Amount", "9"))),
                ("JournalCreditLine", (("AccountRef", ref(bank["ListID"])), ("Amount", "8"))),
            ),
            guid(),
        ),
    )
    assert rs.status == 3180


def test_stop_on_error_stops_the_set(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    before = company.count("CustomerRet")
    document = build_write_set(
        "16.0",
        [
            AddRequest("Customer", "1", (("Name", first(company, "VendorRet")["Name"]),), guid()),
            AddRequest("Customer", "2", (("Name", "Never Added"),), guid()),
        ],
    )
    (only,) = responses(quickbooks.process(document))
    assert only.status == 3100
    assert company.count("CustomerRet") == before


# -- message sets and recovery ----------------------------------------------------------------


def _customer(name: str) -> AddRequest:
    return AddRequest("Customer", "1", (("Name", name),), external_guid=guid())


def test_recovery_returns_the_stored_response_and_runs_nothing_again(
    quickbooks: SimulatedQuickBooks,
) -> None:
    company = quickbooks.company
    first_answer = send(quickbooks, _customer("Recovered Ltd"), new_message_set_id="set-A")
    count = company.count("CustomerRet")
    document = quickbooks.process(build_recovery_query("16.0", "set-A"))
    assert 'messageSetID="set-A"' in document and 'messageSetStatusCode="0"' in document
    assert one(document).records[0]["ListID"] == first_answer.records[0]["ListID"]
    # Resending the write with oldMessageSetID: the stored answer, not a second customer.
    again = quickbooks.process(
        build_write_set(
            "16.0",
            [_customer("Recovered Ltd")],
            old_message_set_id="set-A",
            new_message_set_id="set-A",
        )
    )
    assert one(again).records[0]["ListID"] == first_answer.records[0]["ListID"]
    assert company.count("CustomerRet") == count
    cleared = quickbooks.process(build_recovery_clear("16.0", "set-A"))
    assert 'messageSetStatusCode="0"' in cleared
    after = quickbooks.process(build_recovery_query("16.0", "set-A"))
    assert 'messageSetStatusCode="600"' in after


def test_only_one_message_set_is_kept(quickbooks: SimulatedQuickBooks) -> None:
    send(quickbooks, _customer("First Set Co"), new_message_set_id="one")
    send(quickbooks, _customer("Second Set Co"), new_message_set_id="two")
    assert 'messageSetStatusCode="600"' in quickbooks.process(build_recovery_query("16.0", "one"))
    assert 'messageSetStatusCode="0"' in quickbooks.process(build_recovery_query("16.0", "two"))


def test_unknown_old_id_runs_the_new_requests(quickbooks: SimulatedQuickBooks) -> None:
    company = quickbooks.company
    before = company.count("CustomerRet")
    document = quickbooks.process(
        build_write_set(
            "16.0", [_customer("Fresh Start Co")], old_message_set_id="zzz", new_message_set_id="n1"
        )
    )
    assert 'messageSetStatusCode="600"' in document
    assert company.count("CustomerRet") == before + 1


def test_lost_before_storing_is_9002_and_the_record_exists(company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(company, drop_write=parse_drop_write("2:unstored"))
    quickbooks.begin_session()
    send(quickbooks, _customer("Write One"), new_message_set_id="w1")
    before = company.count("CustomerRet")
    request = _customer("Write Two")
    with pytest.raises(ResponseLost):
        send(quickbooks, request, new_message_set_id="w2")
    quickbooks.end_session()
    quickbooks.begin_session()  # QuickBooks restarted; the file kept the write
    assert company.count("CustomerRet") == before + 1
    document = quickbooks.process(build_recovery_query("16.0", "w2"))
    assert 'messageSetStatusCode="9002"' in document
    # What the server then does: look the record up by its ExternalGUID.
    assert any(
        c.get("ExternalGUID") == request.external_guid for c in company.records("CustomerRet")
    )


def test_lost_after_storing_is_recovered(company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(company, drop_write=DropWrite(1, "stored"))
    quickbooks.begin_session()
    with pytest.raises(ResponseLost) as lost:
        send(quickbooks, _customer("Lost In Transit"), new_message_set_id="t1")
    assert lost.value.hresult.startswith("0x")
    # A new process (a restarted simulator) reads the stored state from the company file.
    restarted = SimulatedQuickBooks(company)
    restarted.begin_session()
    recovered = one(restarted.process(build_recovery_query("16.0", "t1")))
    assert recovered.records[0]["Name"] == "Lost In Transit"


def test_web_connector_steps_are_offered_once(company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(company, drop_write=parse_drop_write("1:receive"))
    quickbooks.begin_session()
    send(quickbooks, _customer("Delivered Co"), new_message_set_id="r1")
    assert quickbooks.write_faults.take("receive") is True
    assert quickbooks.write_faults.take("receive") is False


def test_too_long_id_is_9004_and_checksum_and_storage_faults(
    quickbooks: SimulatedQuickBooks,
) -> None:
    company = quickbooks.company
    before = company.count("CustomerRet")
    long_id = "x" * 25
    document = quickbooks.process(
        qbxml(
            '<CustomerAddRq requestID="1"><CustomerAdd><Name>Too Long Co</Name></CustomerAdd>'
            "</CustomerAddRq>"
        ).replace('onError="stopOnError"', f'onError="stopOnError" newMessageSetID="{long_id}"')
    )
    assert 'messageSetStatusCode="9004"' in document
    assert company.count("CustomerRet") == before
    quickbooks.message_sets.corrupt_next = True
    send(quickbooks, _customer("Checksum Co"), new_message_set_id="c1")
    assert 'messageSetStatusCode="9001"' in quickbooks.process(build_recovery_query("16.0", "c1"))
    quickbooks.message_sets.fail_storing = True
    stored = quickbooks.process(
        build_write_set("16.0", [_customer("Unstored Co")], new_message_set_id="c2")
    )
    assert 'messageSetStatusCode="9005"' in stored
    assert company.count("CustomerRet") == before + 2


@pytest.mark.parametrize("spec", ["0", "x", "3:sideways", "", "2:"])
def test_parse_drop_write_refuses_bad_specs(spec: str) -> None:
    if spec == "2:":
        assert parse_drop_write(spec) == DropWrite(2, "stored")
        return
    with pytest.raises(ValueError):
        parse_drop_write(spec)
