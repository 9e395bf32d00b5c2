"""Codat-shaped views of companies and connections (kept in qbdsync.views, shared with the
Web Connector service's webhook events)."""

from qbdsync.views import (
    INTEGRATION_ID,
    PLATFORM_KEY,
    PLATFORM_NAME,
    company_view,
    connection_view,
    iso,
)

__all__ = [
    "INTEGRATION_ID",
    "PLATFORM_KEY",
    "PLATFORM_NAME",
    "company_view",
    "connection_view",
    "iso",
]
