"""The writes of a session: the connection's due pushes, sent before any read, exactly once.

Each push travels alone in a message set with a fresh ``newMessageSetID``, stored on the push
(`push_store.mark_sent`) in the transaction that keeps the request as the session's prepared
one: before QuickBooks can see it. A push sent but not settled (its answer was lost: the
connection dropped, our server restarted, the Web Connector or the PC crashed) is recovered
first, before anything else is written — QuickBooks keeps the recovery state of one message set
per application and company file — by asking for its stored result (``oldMessageSetID``):

* status 0: the stored responses settle the push; then the stored set is cleared.
* 600, 9001, 9002 (QuickBooks cannot tell): an Add is looked for in QuickBooks itself (by the
  ExternalGUID stamped on it, else its name or reference number): found, it succeeded; not
  found, it is sent once more in a new message set (twice unconfirmed, it fails for a person to
  check). A Mod or a Delete is sent again: a Mod already applied is refused for its stale
  EditSequence and a Delete already done for the missing record, so neither applies twice.
* 9004: the id was refused, nothing ran: the push fails (our bug, said so).

A push QuickBooks refuses because a record is locked (open in a window, edited by another user)
never ran: it is released and sent afresh by the next session, counted as a lock retry rather
than a send, and fails after ``max_push_lock_sessions`` sessions naming the record to close.

QuickBooks' error statuses become messages a person can act on; a stale EditSequence (3200)
re-reads the record and, with ``forceUpdate``, applies the change once more.

The modules, each importing only those listed before it:

* `phase` — where the writes stand between calls (`WritePhase`, kept in the engine's
  ``SessionState.writes``), and the one place a push is settled and counted.
* `building` — the requests a push is sent or looked for as (its write, queries for it).
* `answers` — QuickBooks' answer to a request of the phase, read whole, and whether it belongs
  to the request in flight.
* `refusals` — QuickBooks' refusals as `validation.errors` a person can act on.
* `sending` — choosing the next due push (prerequisites, the time budget) and sending it.
* `settling` — applying a write's result: success, refusals, lock retries, the 3200 re-read.
* `recovering` — what became of a write whose answer was lost (``oldMessageSetID``, clearing
  the stored set, the search for a lost Add, sending again).
* `taking` — an answer routed to the step in flight.
"""
