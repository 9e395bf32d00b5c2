"""qbdsync: a self-hosted QuickBooks Desktop sync service.

The Web Connector (QBWC) on the user's PC polls our SOAP service; a sans-IO sync engine decides
which qbXML to ask for; the store keeps raw and Codat-shaped records side by side.
"""

__version__ = "0.1.0"
