"""One write in progress against the simulated company: its moment, its counters, the records it
changed, and the status a refused write ends with.

Shared by the write processor and the rules it applies (totals, settlements), so each of those
can refuse a write with QuickBooks' status code and see the records the same write already
changed (a payment that pays an invoice twice through two lines sees its first change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record

_CENT: Final = Decimal("0.01")


class WriteStatus(Exception):
    """A write refused with a status code; the message set goes on (or stops) as asked."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def cents(text: str, name: str) -> int:
    """An amount of a request in cents, rounded as QuickBooks rounds AMTTYPE (3020 if not one)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise WriteStatus(
            3020, f'There was an error when converting the amount "{text}" in the field "{name}".'
        ) from None
    if not value.is_finite():
        raise WriteStatus(3020, f'Invalid amount "{text}" in the field "{name}".')
    return int((value / _CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Write:
    """One write: the company, the moment, and the records it changed."""

    company: SimulatedCompany
    moment: int
    counters: dict[str, int]
    touched: list[tuple[str, Record]] = field(default_factory=list)

    def touch(self, record: Record) -> None:
        """A record this write changes gets a new TimeModified and EditSequence."""
        clock = self.company.clock
        record["TimeModified"] = clock.stamp(self.moment)
        record["EditSequence"] = clock.edit_sequence(self.moment)

    def settled(self, ret_type: str, txn_id: str, entity: dict[str, str] | None = None) -> Record:
        """A transaction a payment settles (an invoice, a bill, a credit), as this write has
        changed it so far; 3140 when it does not exist or belongs to another name."""
        for touched_type, touched in self.touched:
            if touched_type == ret_type and touched["TxnID"] == txn_id:
                return touched
        found = self.company.get(ret_type, txn_id)
        link = None
        if found is not None:
            link = found.get("CustomerRef") or found.get("VendorRef")
        if found is None or (entity is not None and link is not None and link != entity):
            label = ret_type.removesuffix("Ret")
            raise WriteStatus(
                3140,
                f'There is an invalid reference to QuickBooks {label} "{txn_id}" in the payment.'
                " QuickBooks error message: the transaction does not exist or belongs to another"
                " name.",
            )
        self.touched.append((ret_type, found))
        return found
