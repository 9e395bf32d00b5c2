"""Catalogue entries for a health check nobody answered in time (codes
``qbdsync:health-check-…``): the Web Connector did not call, or QuickBooks did not answer."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

UNANSWERED: Final = "qbdsync:health-check-unanswered"
NO_ANSWER: Final = "qbdsync:health-check-no-answer"

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="health-check-unanswered",
        codes=(UNANSWERED,),
        title="The Web Connector did not call in time",
        user_message=(
            "qbdsync asked for a health check, but the QuickBooks Web Connector did not call "
            "before the check's time ran out. It is most likely not running on the QuickBooks "
            "PC: the PC is off or asleep, the Web Connector was closed, or its automatic "
            "updates are turned off."
        ),
        fix_steps=(
            "On the QuickBooks PC, start the QuickBooks Web Connector (Start menu, "
            "QuickBooks, Web Connector).",
            "Tick this application's entry and turn Auto-Run on.",
            "Click Update Selected, then ask for the health check again.",
        ),
        operator_detail=(
            "No call from this connection's Web Connector between the check's request and its "
            "timeout. A timeout shorter than the Web Connector's schedule (the .qwc's "
            "RunEveryNMinutes) times out even when all is well: give the check a timeout "
            "longer than one schedule, or have the user click Update Selected."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="health-check-no-answer",
        codes=(NO_ANSWER,),
        title="QuickBooks did not answer in time",
        user_message=(
            "The Web Connector passed qbdsync's health check to QuickBooks, but QuickBooks did "
            "not answer before the check's time ran out. QuickBooks may be busy with a long "
            "task, or waiting for someone to close a window or a message."
        ),
        fix_steps=(
            "On the QuickBooks PC, look for an open window or message in QuickBooks and close it.",
            "Let any long task (a backup, a data rebuild, a large report) finish.",
            "Ask for the health check again.",
        ),
        operator_detail=(
            "The check's request was handed to the Web Connector (sentUtc), but QuickBooks' "
            "answer did not arrive before the timeout, or arrived after it."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
)
