"""Catalogue entries for why qbdsync's SOAP service did no (or no more) work in an update: the
texts the Web Connector shows from getLastError and closeConnection. The service adds the facts
of the moment (until when it is paused, which session holds the connection) before them."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

BUSY: Final = "qbdsync:connection-busy"
OUTSIDE_WINDOW: Final = "qbdsync:outside-sync-window"
DELETED: Final = "qbdsync:connection-deleted"
UP_TO_DATE: Final = "qbdsync:up-to-date"
TICKET_EXPIRED: Final = "qbdsync:ticket-expired"
SESSION_ENDED: Final = "qbdsync:session-ended"
SESSION_SILENT: Final = "qbdsync:session-silent"
CLOSED_EARLY: Final = "qbdsync:closed-early"
CLIENT_TOO_OLD: Final = "qbdsync:web-connector-too-old"
CLIENT_OLD: Final = "qbdsync:web-connector-old"

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="connection-busy",
        codes=(BUSY,),
        title="Another Web Connector is syncing this connection",
        user_message=(
            "Another Web Connector is syncing this connection right now, so this update did "
            "nothing. The next scheduled update tries again."
        ),
        fix_steps=(
            "Nothing to do if the other sync is still running.",
            "If the same .qwc file was added on two PCs, remove it from one of them.",
        ),
        operator_detail=(
            "authenticate answered busy: the connection has a live session. A session silent "
            "past the takeover limit is taken over by the next update."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="outside-sync-window",
        codes=(OUTSIDE_WINDOW,),
        title="Outside the sync window",
        user_message=(
            "This company syncs only during set hours, and it is outside them now. The next "
            "sync starts when the window opens."
        ),
        fix_steps=("To sync at other times, ask the operator to change the sync window.",),
        operator_detail=(
            "The company's syncWindow does not allow now (in its time zone); authenticate "
            "answers none."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="connection-deleted",
        codes=(DELETED,),
        title="This connection was deleted",
        user_message="This connection was deleted, so nothing was synced.",
        fix_steps=("Remove this entry from the Web Connector (select it, click Remove).",),
        operator_detail="The connection row is gone; its tickets end without a session.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="up-to-date",
        codes=(UP_TO_DATE,),
        title="Up to date",
        user_message="Everything is up to date; there was nothing to sync this time.",
        fix_steps=(),
        operator_detail="No data type is due and no push or health check waits.",
        can_be_retried=False,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="ticket-expired",
        codes=(TICKET_EXPIRED,),
        title="The update waited too long",
        user_message=(
            "This update started too long ago to be used, so nothing was synced. The next "
            "update starts a fresh session."
        ),
        fix_steps=("Nothing to do; if it happens often, check the PC's clock.",),
        operator_detail="The signed ticket was older than ticketLifetimeSeconds when it was used.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="session-ended",
        codes=(SESSION_ENDED,),
        title="The session had ended",
        user_message=(
            "The sync session had already ended (the service may have restarted). The next "
            "scheduled update starts a new one."
        ),
        fix_steps=(),
        operator_detail="A call carried a ticket with no session behind it.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="session-silent",
        codes=(SESSION_SILENT,),
        title="The session went silent",
        user_message=(
            "The Web Connector stopped calling in the middle of a sync for longer than allowed, "
            "so the session was ended. The next update resumes where it stopped."
        ),
        fix_steps=("Nothing to do; if it keeps happening, keep the PC awake while it syncs.",),
        operator_detail=(
            "No call within sessionCallSilenceSeconds (or sessionResponseSilenceSeconds while "
            "QuickBooks worked on a request)."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="closed-early",
        codes=(CLOSED_EARLY,),
        title="The session closed before the sync finished",
        user_message="The session closed before the sync finished; the next update resumes.",
        fix_steps=(),
        operator_detail="closeConnection came before the work was done.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="web-connector-too-old",
        codes=(CLIENT_TOO_OLD,),
        title="The Web Connector is too old",
        user_message="This Web Connector is too old to work with the sync service.",
        fix_steps=(
            "Install the current QuickBooks Web Connector from Intuit's web site.",
            "Open this application's .qwc file again.",
        ),
        operator_detail="clientVersion refused the Web Connector's version (an E: answer).",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="web-connector-old",
        codes=(CLIENT_OLD,),
        title="The Web Connector is out of date",
        user_message=(
            "This Web Connector is older than recommended. It should work, but updating it "
            "avoids known problems."
        ),
        fix_steps=("Install the current QuickBooks Web Connector from Intuit's web site.",),
        operator_detail="clientVersion warned (a W: answer): below minQbwcVersion.",
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
)
