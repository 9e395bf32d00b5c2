"""One error tree for qbdsync, grouped by how the caller recovers.

These are qbdsync's own failures. What a QuickBooks status code or HRESULT means for recovery
is `qbdsync.qbxml.status.Recovery` (one table, read and write outcomes alike); the statuses of
pulls, sessions and connections are the enums of `qbdsync.statuses`.

QbdsyncError
├── RetryLater            transient: the same work succeeds later
│   ├── SessionNotStarted     the connection already has an active session (or was deleted)
│   ├── UnreadableState       stored session state of an unknown schema: end it, start afresh
│   └── DeliveryInFlight      a webhook delivery being posted now: replay it after that attempt
├── NotSupported          the QuickBooks edition or qbXML version lacks what is needed
├── RejectedInput         input from outside is wrong; nothing is stored, the sender is told
│   ├── InvalidXML            hostile or malformed XML (entities, DTDs, bad syntax, too big)
│   ├── RecordTooLarge        a record in QuickBooks' response is past the record size limits
│   ├── SoapFault             a SOAP request we cannot answer (unknown operation, bad shape)
│   ├── AuthenticationFailed  wrong Web Connector user name or password
│   ├── InvalidValue          a value in QuickBooks' output cannot be read exactly
│   ├── InvalidQuery          an API `query` or `orderBy` that cannot be parsed
│   ├── ForbiddenDestination  a webhook URL that points where qbdsync must not post
│   ├── InvalidPush           a push payload QuickBooks would refuse (field-level errors)
│   ├── PushRefused           a push this connection cannot take (inactive, never synced, …)
│   └── UnreadableLog         a log given to `qbdsync doctor` that cannot be read at all
├── NotFound              an id (company, connection, ticket) that does not exist
└── Fatal                 a bug or misconfiguration: stop and tell an operator
    ├── ConfigurationError    settings that cannot work (e.g. a plain-http public URL)
    │   ├── DatabaseUnavailable   the database URL names a server that cannot be reached
    │   └── SchemaNotCurrent      the database's schema is not the one this qbdsync needs
    └── RequestBug            QuickBooks rejected a request we built (3150, 0x80040400)
"""

from __future__ import annotations


class QbdsyncError(Exception):
    """Base of every error qbdsync raises on purpose."""


class RetryLater(QbdsyncError):
    """Transient failure: try the same work again in a later session."""


class SessionNotStarted(RetryLater):
    """The database refused a new Web Connector session: the connection already has an active
    one (another Web Connector won the race) or it was deleted meanwhile."""


class UnreadableState(RetryLater):
    """Stored session state this qbdsync cannot read: written by a newer version (a schema it
    does not know) or not in the shape of any schema. End the session it belongs to; the next
    session plans afresh from the committed watermarks, so nothing is lost."""

    def __init__(self, message: str, *, schema: object = None) -> None:
        super().__init__(message)
        self.schema = schema  # the schema version found, as stored (None when absent)


class DeliveryInFlight(RetryLater):
    """A webhook delivery a worker is posting right now: it can be replayed once that attempt
    is recorded (at the latest when the worker's claim runs out)."""


class NotSupported(QbdsyncError):
    """The QuickBooks edition or qbXML version does not have what is needed (a data type, a
    field, or any qbXML version qbdsync can read)."""


class RejectedInput(QbdsyncError):
    """Input from outside is wrong: nothing is stored and the sender gets a clear message."""


class RecordTooLarge(RejectedInput):
    """A record in QuickBooks' response is larger than the record limits allow.

    Nothing from that response is stored; the query it answered fails and the session goes on.
    """

    def __init__(
        self, message: str, *, request_id: str | None, ret_name: str, setting: str
    ) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.ret_name = ret_name
        self.setting = setting  # the Settings field whose limit it passed


class InvalidXML(RejectedInput):
    """XML that is malformed, hostile (entities, DTDs) or larger than allowed."""


class SoapFault(RejectedInput):
    """A SOAP request that is well-formed XML but not a call we can answer."""


class AuthenticationFailed(RejectedInput):
    """Wrong Web Connector user name or password."""


class InvalidValue(RejectedInput):
    """A value in QuickBooks' output that cannot be converted exactly (e.g. '7038,20')."""


class InvalidQuery(RejectedInput):
    """An API `query` or `orderBy` parameter that is malformed, too long or names a bad path."""


class ForbiddenDestination(RejectedInput):
    """A webhook URL qbdsync refuses to post to: an internal, metadata or ambiguous address,
    credentials in the URL, or a host name that resolves to such an address."""


class InvalidPush(RejectedInput):
    """A push payload QuickBooks would refuse or alter; nothing was queued. `errors` holds one
    Codat validation item ({itemId, message, validatorName}) per field at fault."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


class PushRefused(RejectedInput):
    """A push the connection cannot take as it stands: `reason` is "inactive" (unlinked or
    deauthorized), "not_synced" (no first sync yet: nothing to validate against) or
    "not_supported" (QuickBooks cannot write this type, or not this way)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnreadableLog(RejectedInput):
    """A log file `qbdsync doctor` was given cannot be opened or holds no log lines at all."""


class NotFound(QbdsyncError):
    """A company, connection, session ticket or record id that does not exist."""


class Fatal(QbdsyncError):
    """A bug or a misconfiguration: stop and tell an operator."""


class ConfigurationError(Fatal):
    """Settings that cannot work."""


class DatabaseUnavailable(ConfigurationError):
    """The database cannot be opened: unknown host, refused port, failed login, missing path.

    Its message names the database by its masked URL (never the password).
    """


class SchemaNotCurrent(ConfigurationError):
    """The database's schema is older than this qbdsync needs (run `qbdsync migrate`), newer
    (a newer qbdsync migrated it: upgrade this node), or missing. Its message names both
    revisions and what to run."""


class RequestBug(Fatal):
    """QuickBooks rejected a request qbdsync built (a missing element, wrong element order)."""
