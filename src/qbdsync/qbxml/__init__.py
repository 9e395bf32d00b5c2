"""The qbXML codec: request builders, a streaming hardened response parser, status codes and
their recovery actions, version negotiation, host information and strict value converters.

No I/O happens here: callers feed text in and get values out.
"""

from qbdsync.qbxml.hostinfo import DataExt, HostInfo, parse_host_info
from qbdsync.qbxml.parser import (
    Event,
    MessageSetStatus,
    Record,
    ResponseParser,
    ResponseStatus,
    element_to_dict,
    parse_response,
)
from qbdsync.qbxml.requests import (
    FilterValue,
    QueryRequest,
    build_message_set,
    build_request,
    escape_text,
)
from qbdsync.qbxml.status import HResultInfo, Recovery, classify_status, describe_hresult
from qbdsync.qbxml.values import (
    QbTimestamp,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_timestamp,
    wall_minus,
)
from qbdsync.qbxml.versions import QbxmlVersion, negotiate_version, version_from_major_minor

__all__ = [
    "DataExt",
    "Event",
    "FilterValue",
    "HResultInfo",
    "HostInfo",
    "MessageSetStatus",
    "QbTimestamp",
    "QbxmlVersion",
    "QueryRequest",
    "Record",
    "Recovery",
    "ResponseParser",
    "ResponseStatus",
    "build_message_set",
    "build_request",
    "classify_status",
    "describe_hresult",
    "element_to_dict",
    "escape_text",
    "negotiate_version",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_host_info",
    "parse_int",
    "parse_response",
    "parse_timestamp",
    "version_from_major_minor",
    "wall_minus",
]
