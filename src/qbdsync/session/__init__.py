"""The driver-neutral session core: one sync session with QuickBooks, whatever carries it.

A driver (the Web Connector's SOAP adapter, the in-process driver of `local`, later a Windows
agent talking to QuickBooks' request processor) turns its own protocol into calls of
`core.SessionCore` and maps the typed outcomes of `outcomes` back to its own answers. The core
knows nothing of SOAP, tickets or QBWC's answer strings.
"""
