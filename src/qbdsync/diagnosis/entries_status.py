"""Catalogue entries for qbXML status codes: the per-request ``statusCode`` of every ``…Rs``,
and a message set's ``messageSetStatusCode`` (error recovery). One entry per code, or per group
of codes that mean the same thing, of ../shared/reference/qbxml.md."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

_NEXT = "Nothing to do: qbdsync tries again at the next sync."

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="status-ok",
        codes=("0",),
        title="QuickBooks did it",
        user_message="QuickBooks carried out the request.",
        fix_steps=(),
        operator_detail="Status 0: success.",
        can_be_retried=False,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-no-match",
        codes=("1",),
        title="Nothing matched",
        user_message="QuickBooks found nothing that matched; that is not an error.",
        fix_steps=(),
        operator_detail=(
            "Status 1 (Info): an empty page of a query. It must not stop the rest of the queue."
        ),
        can_be_retried=False,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-some-not-found",
        codes=("500",),
        title="Some requested records were not found",
        user_message=(
            "QuickBooks returned what it found; a few of the records asked for no longer exist."
        ),
        fix_steps=(),
        operator_detail="Status 500 (Warn): keep what came back.",
        can_be_retried=False,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-not-in-edition",
        codes=("501", "510", "530", "531", "550"),
        title="Part of a request is not in this QuickBooks",
        user_message=(
            "This QuickBooks edition or version lacks a field or feature qbdsync asked about; "
            "the rest of the data was kept."
        ),
        fix_steps=(),
        operator_detail=(
            "Warnings 501/510/530/531/550: an element, enum value or feature not supported by "
            "this qbXML spec or edition. Data kept; note it."
        ),
        can_be_retried=False,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-internal-error",
        codes=("1000",),
        title="QuickBooks had an internal error",
        user_message="QuickBooks failed inside while answering. qbdsync tries again later.",
        fix_steps=(_NEXT,),
        operator_detail="Status 1000: an internal QuickBooks error, usually transient.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-invalid-id",
        codes=("3000",),
        title="An unknown record id",
        user_message="QuickBooks does not know the record id it was given.",
        fix_steps=(
            "Check that the record still exists in QuickBooks, then send the change again.",
        ),
        operator_detail="Status 3000: invalid object id (ListID/TxnID). The item fails.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-name-in-use",
        codes=("3100",),
        title="The name is already used",
        user_message=(
            "Another customer, vendor, employee or other name in QuickBooks already has this "
            "name; QuickBooks keeps those names unique across all four lists."
        ),
        fix_steps=("Send it again with a different name, or use the existing record.",),
        operator_detail=(
            "Status 3100: Customer, Vendor, Employee and OtherName share one name space."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-object-not-found",
        codes=("3120",),
        title="The record was not found",
        user_message="The record is not in QuickBooks any more (it may have been deleted).",
        fix_steps=("Check the record in QuickBooks; create it again if it is needed.",),
        operator_detail="Status 3120: object not found; fail the item or mark it deleted.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-invalid-reference",
        codes=("3140",),
        title="A line refers to something QuickBooks does not have",
        user_message=(
            "A line refers to a customer, item, account or other record that QuickBooks does "
            "not have (yet)."
        ),
        fix_steps=(
            "Create the referenced record first (or fix the reference), then send it again.",
        ),
        operator_detail=(
            "Status 3140: invalid reference in a line. Push dependencies before the records "
            "that use them."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-missing-element",
        codes=("3150",),
        title="qbdsync left out a required field",
        user_message="qbdsync sent QuickBooks an incomplete request. This is a fault in qbdsync.",
        fix_steps=("Operator: report the request as a bug.",),
        operator_detail="Status 3150: a required element is missing from our request.",
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="status-modified-by-another-user",
        codes=("3170",),
        title="Someone else changed the list",
        user_message="Another QuickBooks user changed the same list at the same moment.",
        fix_steps=(_NEXT,),
        operator_detail=(
            "Status 3170: could not modify, list modified by another user. Retry when the "
            "message says locked or in use."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-closed-period",
        codes=("3171",),
        title="Dated in a closed period",
        user_message=(
            "The transaction is dated on or before the company's closing date, so QuickBooks "
            "refuses it."
        ),
        fix_steps=(
            "Change the transaction's date, or have the QuickBooks Admin move the closing "
            "date, then send it again.",
        ),
        operator_detail="Status 3171: on or before the closing date.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-record-in-use",
        codes=("3175", "3176"),
        title="The record is in use",
        user_message=(
            "Someone has the record open in QuickBooks, so it could not be changed now. qbdsync "
            "tries again at the next sync."
        ),
        fix_steps=("Close the record in QuickBooks if it is open.", _NEXT),
        operator_detail="Status 3175 (record in use) / 3176 (could not lock): transient.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-save-refused",
        codes=("3180",),
        title="QuickBooks refused to save",
        user_message=(
            "QuickBooks refused to save the record; its own message says why (for example a "
            "credit limit, or the record being edited by someone else)."
        ),
        fix_steps=(
            "Read QuickBooks' message; if the record was in use, nothing is needed.",
            "Otherwise change what the message names, then send it again.",
        ),
        operator_detail=(
            "Status 3180 carries both transient lock conflicts and permanent refusals; only "
            "the message tells them apart."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-stale-edit-sequence",
        codes=("3200",),
        title="The record changed in QuickBooks meanwhile",
        user_message=(
            "The record was changed in QuickBooks after qbdsync last read it. qbdsync reads it "
            "again and retries the change once."
        ),
        fix_steps=("Nothing to do unless the retried change is refused too.",),
        operator_detail="Status 3200: EditSequence out of date; re-read, then retry the Mod.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="status-invalid-value",
        codes=("3210",),
        title="A value QuickBooks does not accept",
        user_message=(
            "A value was not acceptable to QuickBooks (for example paying more than is due)."
        ),
        fix_steps=("Correct the value QuickBooks' message names, then send it again.",),
        operator_detail="Status 3210: invalid value; a validation error with QuickBooks' text.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-feature-not-enabled",
        codes=("3250",),
        title="A feature that is off in this QuickBooks",
        user_message=(
            "The feature is switched off in this company file, or this QuickBooks edition does "
            "not have it; qbdsync stops asking for that data."
        ),
        fix_steps=(
            "If you need it, switch the feature on in QuickBooks' preferences; the next sync "
            "reads it.",
        ),
        operator_detail="Status 3250: feature not enabled; the data set is marked NotSupported.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-permission",
        codes=("3260", "3261"),
        title="qbdsync lacks permission for this data",
        user_message=(
            "The QuickBooks permission given to qbdsync does not cover this data (for example "
            "personal data such as social security numbers)."
        ),
        fix_steps=(
            "As the QuickBooks Admin, open Edit > Preferences > Integrated Applications > "
            "Company Preferences, select this application and choose Properties.",
            "Allow access to personal data if it is needed, and allow access even if "
            "QuickBooks is not running.",
        ),
        operator_detail=("Status 3260: insufficient permission; 3261: no access to personal data."),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="status-invalid-iterator",
        codes=("3391",),
        title="A read had to start over",
        user_message=(
            "QuickBooks forgot where a long read had got to; qbdsync reads that data again "
            "from where it last finished."
        ),
        fix_steps=(),
        operator_detail=(
            "Status 3391: invalid iteratorID (iterators live only within one QuickBooks "
            "session). The data set restarts from its watermark."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="message-set-not-stored",
        codes=("600", "9002"),
        title="QuickBooks kept no answer for a lost request",
        user_message=(
            "qbdsync asked QuickBooks what happened to a change whose answer was lost, and "
            "QuickBooks had nothing stored; qbdsync works it out from the data."
        ),
        fix_steps=(),
        operator_detail=(
            "messageSetStatusCode 600 (no stored message set matches the id) or 9002 (no "
            "stored response): the write most likely never ran."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="message-set-failure",
        codes=("9001", "9004", "9005"),
        title="QuickBooks' error recovery failed",
        user_message="QuickBooks could not keep track of a change for safe retrying.",
        fix_steps=("Operator: look at the message set in the session's log.",),
        operator_detail=(
            "messageSetStatusCode 9001 (invalid checksum), 9004 (message set id longer than 24 "
            "characters: our bug) or 9005 (could not store it)."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
)
