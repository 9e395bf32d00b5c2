"""Catalogue entries for the states of a connection qbdsync itself sees (codes ``qbdsync:…``):
a connector that stopped calling, a paused, unlinked or deauthorized connection, and one whose
Web Connector never called."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

LATE: Final = "qbdsync:late"
PAUSED: Final = "qbdsync:paused"
DEAUTHORIZED: Final = "qbdsync:deauthorized"
UNLINKED: Final = "qbdsync:unlinked"
NOT_CONNECTED: Final = "qbdsync:not-connected"

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="connector-late",
        codes=(LATE,),
        title="The Web Connector is not running on the QuickBooks PC",
        user_message=(
            "The QuickBooks Web Connector has stopped calling qbdsync, so nothing syncs. It "
            "cannot run when the QuickBooks PC is turned off or asleep, when the Web Connector "
            "was closed (including with the X at the top right of its window), or when several "
            "copies of QuickBooks are running, each with a different company file open."
        ),
        fix_steps=(
            "Turn the QuickBooks PC on and sign in to Windows.",
            "Start the QuickBooks Web Connector (Start menu, QuickBooks, Web Connector); "
            "minimise it rather than closing it.",
            "If more than one QuickBooks window is open, close all but the one with this "
            "company file.",
            "In the Web Connector, tick this application and turn Auto-Run on, then click "
            "Update Selected.",
        ),
        operator_detail=(
            "No call from this connection's Web Connector for about three of its schedules "
            "(RunEveryNMinutes of the .qwc, QBDSYNC_RUN_EVERY_MINUTES), counted from "
            "lastRequestAt. Nothing on the server is wrong; only someone at the QuickBooks PC "
            "can start the connector again."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
        see_also=("health-check-unanswered",),
    ),
    Explanation(
        key="connection-paused",
        codes=(PAUSED,),
        title="Syncing is paused",
        user_message=(
            "Syncing with QuickBooks is paused for now. The Web Connector keeps calling and "
            "is told there is nothing to do until the pause ends."
        ),
        fix_steps=(
            "Nothing to do at the QuickBooks PC: syncing starts again by itself when the "
            "pause ends.",
            "To sync sooner, ask whoever manages the integration to resume it.",
        ),
        operator_detail=(
            'connectionInfo.pausedUntil is in the future: authenticate answers "none" and '
            "queued pulls show Initial. Resume with `qbdsync connection resume` or the API."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="connection-deauthorized",
        codes=(DEAUTHORIZED,),
        title="The connection is closed",
        user_message=(
            "This connection has finished: it was set up for a one-time sync, which is "
            "complete, so QuickBooks is not read any more. You can remove this application "
            "from the Web Connector."
        ),
        fix_steps=(
            "If ongoing syncs are wanted, whoever manages the integration switches the "
            "company to ongoing sync and sends a new link.",
            "Open the new link on the QuickBooks PC and add the new .qwc file to the Web "
            "Connector, for the same company.",
        ),
        operator_detail=(
            "Status Deauthorized: a one-time sync completed (QBDSYNC_SYNC_MODE or the "
            "company's sync mode), as designed. Re-link the same company to sync again."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="connection-unlinked",
        codes=(UNLINKED,),
        title="The connection was unlinked",
        user_message=(
            "This connection was turned off by whoever manages the integration, so the Web "
            "Connector's calls are refused. You can remove this application from the Web "
            "Connector."
        ),
        fix_steps=(
            "If syncing should continue, ask whoever manages the integration for a new link.",
            "Open it on the QuickBooks PC and add the new .qwc file to the Web Connector.",
        ),
        operator_detail=(
            "Status Unlinked: the operator unlinked it (CLI or API); authenticate answers "
            '"nvu". Create a new connection for the company to sync again.'
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="connection-not-connected",
        codes=(NOT_CONNECTED,),
        title="The Web Connector has not called yet",
        user_message=(
            "QuickBooks has not been connected yet: the Web Connector on the QuickBooks PC has "
            "never called qbdsync for this connection."
        ),
        fix_steps=(
            "Open the link you were sent on the QuickBooks PC and download the .qwc file.",
            "Open the .qwc file (the Web Connector adds the application), grant access in "
            'QuickBooks when asked, choosing "Yes, always; allow access even if QuickBooks '
            'is not running".',
            "Enter the password shown on the link page in the Web Connector and click Update "
            "Selected.",
        ),
        operator_detail=(
            "Status PendingAuth and no call recorded (lastRequestAt is null): the .qwc was "
            "not added, or its password not entered, or the Web Connector cannot reach "
            "AppURL (see the Web Connector's log, QWCLog.txt)."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
)
