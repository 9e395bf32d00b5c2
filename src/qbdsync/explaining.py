"""A problem explained for people: the catalogue's entry for its code, else what qbdsync knows.

Whatever shows a problem — a health check's result, `qbdsync connection errors` — shows it the
same way: the message for the SMB user, the steps that fix it, the operator's detail, whether
retrying helps and who must act. The catalogue (qbdsync.diagnosis) says it for the codes it has
an entry for; for the others an hresult still has qbdsync's own wording (`describe_hresult`),
and anything else its message as it was recorded, with what the recovery says about retrying.
Never an enum name: `Recovery` values are turned into words here (`next_step`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from qbdsync.diagnosis.catalogue import explain
from qbdsync.diagnosis.explanation import Actor, normalise_code
from qbdsync.qbxml.status import Recovery, describe_hresult

# What happens next after a problem of each recovery, in words for the operator's table.
_NEXT_STEP: Final[dict[Recovery, str]] = {
    Recovery.OK: "Nothing to do.",
    Recovery.EMPTY: "Nothing to do: there was nothing to read.",
    Recovery.KEEP_WARN: "A warning: the data was kept.",
    Recovery.RETRY_NEXT_SESSION: "qbdsync tries again at the next sync.",
    Recovery.RESTART_DATASET: "qbdsync reads this data again from where it last finished.",
    Recovery.NOT_SUPPORTED: (
        "This QuickBooks edition or version does not have it; qbdsync stops asking for it."
    ),
    Recovery.VALIDATION: "QuickBooks refused it; it is not sent again until it is changed.",
    Recovery.REREAD_AND_RETRY: "qbdsync reads the record again and retries the change once.",
    Recovery.NAME_IN_USE: "The name is already used in QuickBooks; a different one is needed.",
    Recovery.CLOSED_PERIOD: "It is dated in a closed period; change the date or closing date.",
    Recovery.PERMISSION: (
        "The QuickBooks administrator must grant access; qbdsync tries again at the next sync."
    ),
    Recovery.FATAL_REQUEST: (
        "A problem in qbdsync's request: it is not sent again. Report it to the operator."
    ),
}
_RETRYABLE: Final = frozenset(
    {Recovery.RETRY_NEXT_SESSION, Recovery.RESTART_DATASET, Recovery.REREAD_AND_RETRY}
)
# Problems that clear by themselves on a later session, when no entry says who acts.
_CLEAR_BY_THEMSELVES: Final = frozenset(
    {
        Recovery.OK,
        Recovery.EMPTY,
        Recovery.KEEP_WARN,
        Recovery.RETRY_NEXT_SESSION,
        Recovery.RESTART_DATASET,
        Recovery.REREAD_AND_RETRY,
        Recovery.NOT_SUPPORTED,
    }
)


@dataclass(frozen=True, slots=True)
class Explained:
    """A problem as people are told it (`from_catalogue`: an entry said it, not a fallback)."""

    code: str | None
    title: str | None
    user_message: str
    fix_steps: tuple[str, ...]
    operator_detail: str | None
    can_be_retried: bool
    who_acts: Actor | None
    from_catalogue: bool


def next_step(recovery: Recovery) -> str:
    """What qbdsync does next about a problem of this recovery, in words."""
    return _NEXT_STEP[recovery]


def explain_problem(
    code: str | int | None,
    message: str,
    recovery: Recovery | None = None,
    *,
    otherwise: tuple[Actor, bool] | None = None,
) -> Explained:
    """The problem with this code (an hresult, a qbXML status code, a QBWC or qbdsync code)
    and recorded message, explained. `otherwise` is who acts and whether retrying helps when
    neither the catalogue nor the recovery says (the caller knows where the problem arose)."""
    normal = normalise_code(code) if code is not None and str(code).strip() else None
    entry = explain(normal) if normal is not None else None
    if entry is not None:
        return Explained(
            code=normal,
            title=entry.title,
            user_message=entry.user_message,
            fix_steps=entry.fix_steps,
            operator_detail=entry.operator_detail,
            can_be_retried=entry.can_be_retried,
            who_acts=entry.who_acts,
            from_catalogue=True,
        )
    if normal is not None and normal.startswith("0x"):
        info = describe_hresult(normal)
        how = recovery or info.recovery
        return Explained(
            code=info.hex,
            title=None,
            user_message=info.user_message,
            fix_steps=(),
            operator_detail=f"QuickBooks hresult {info.hex} ({info.name}).",
            can_be_retried=how in _RETRYABLE,
            # QuickBooks refusing the connection is for the person at its PC, unless our
            # request was at fault.
            who_acts=Actor.OPERATOR if how is Recovery.FATAL_REQUEST else Actor.SMB_USER,
            from_catalogue=False,
        )
    who_acts: Actor | None
    if recovery is None and otherwise is not None:
        who_acts, can_be_retried = otherwise
    else:
        who_acts, can_be_retried = _actor(recovery), recovery in _RETRYABLE
    return Explained(
        code=normal,
        title=None,
        user_message=message,
        fix_steps=(),
        operator_detail=None,
        can_be_retried=can_be_retried,
        who_acts=who_acts,
        from_catalogue=False,
    )


def _actor(recovery: Recovery | None) -> Actor | None:
    if recovery is None:
        return None
    if recovery is Recovery.FATAL_REQUEST:
        return Actor.OPERATOR
    return Actor.NOBODY if recovery in _CLEAR_BY_THEMSELVES else Actor.SMB_USER


def explained_json(explained: Explained, detail: str | None) -> dict[str, Any]:
    """The API's shape of an explained problem; `detail` is what was recorded as it happened
    (QuickBooks' or the Web Connector's message, quoted)."""
    return {
        "code": explained.code,
        "title": explained.title,
        "userFacingMessage": explained.user_message,
        "fixSteps": list(explained.fix_steps),
        "operatorDetail": explained.operator_detail,
        "canBeRetried": explained.can_be_retried,
        "whoActs": explained.who_acts.value if explained.who_acts is not None else None,
        "detail": detail,
    }
