"""QuickBooks' refusals of a write as `validation.errors` a person can act on: which field,
and what to do (QuickBooks' own text is quoted, never trusted). Pure: no database."""

from __future__ import annotations

from qbdsync.outbox import PushOutcome
from qbdsync.push.kinds import PushAction, ValidationIssue
from qbdsync.qbxml.parser import ResponseStatus
from qbdsync.qbxml.status import Recovery
from qbdsync.store.pushes import PushRow
from qbdsync.untrusted import quote_untrusted


def failure_outcome(push: PushRow, status: ResponseStatus, recovery: Recovery) -> PushOutcome:
    """A refused write as `validation.errors` naming the field and what to do."""
    said = quote_untrusted(status.message)
    code = status.code
    what = push.data_type
    if recovery is Recovery.NAME_IN_USE:
        item, rule = "name", "NameInUse"
        text = (
            f"QuickBooks refused the name: it is already used by another record (QuickBooks "
            f"keeps one list of names across customers, suppliers, employees and other names). "
            f"Choose a different name. QuickBooks said: {said}"
        )
    elif recovery is Recovery.CLOSED_PERIOD:
        item, rule = "issueDate", "ClosedPeriod"
        text = (
            "QuickBooks refused the transaction: it is dated on or before the company file's "
            "closing date. Date it after the closing date, or ask the QuickBooks administrator "
            f"to change the closing date. QuickBooks said: {said}"
        )
    elif recovery is Recovery.REREAD_AND_RETRY:
        item, rule = "id", "EditSequenceConflict"
        text = (
            f"Conflict: the {what} record {push.record_id} was changed in QuickBooks after "
            "qbdsync last read it, so the update was not applied. Its current version is now "
            "stored: read it again and push the change once more, or push with "
            f"forceUpdate=true to overwrite. QuickBooks said: {said}"
        )
    elif recovery is Recovery.PERMISSION:
        item, rule = "permissions", "Permission"
        text = (
            "The QuickBooks user the Web Connector runs as may not make this change. Ask the "
            "QuickBooks administrator to grant qbdsync's integrated application the access "
            f"(Edit > Preferences > Integrated Applications). QuickBooks said: {said}"
        )
    elif code == 3140:
        item, rule = "reference", "ReferenceExists"
        text = (
            "QuickBooks does not know a record this push refers to (it may have been deleted "
            f"or made inactive in QuickBooks). Check the reference it names: {said}"
        )
    elif code == 3210:
        item, rule = "value", "InvalidValue"
        text = f"QuickBooks refused a value of this push: {said}"
    else:
        item, rule = "quickBooks", f"QuickBooksStatus{code}"
        text = f"QuickBooks refused the write (status {code}): {said}"
    return PushOutcome.failure(text, [ValidationIssue(item, text, rule)])


def stayed_locked(push: PushRow, status: ResponseStatus) -> PushOutcome:
    """The failure of a push QuickBooks refused as locked in every session it was sent in."""
    sessions = push.lock_retries + 1
    if push.record_id is not None and PushAction(push.action) is not PushAction.CREATE:
        record = f"the {push.data_type} record {push.record_id}"
    else:
        record = (
            f"a record this new {push.data_type} record changes (one it refers to, such as its "
            "customer, supplier, account or the transactions it pays)"
        )
    text = (
        f"QuickBooks refused this {push.action.lower()} in {sessions} sessions in a row because "
        f"{record} stayed locked: it is open in a window in QuickBooks or being edited by "
        "another QuickBooks user. Nothing was written. Close the record's window in QuickBooks "
        f"(on every computer using the company file), then push again. QuickBooks said: "
        f"{quote_untrusted(status.message)}"
    )
    return PushOutcome.failure(text, [ValidationIssue("id", text, "RecordLocked")])
