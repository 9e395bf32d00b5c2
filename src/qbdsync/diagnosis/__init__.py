"""Diagnosis: one catalogue of explanations (what went wrong, who must act, how to fix it) and
the readers of the Web Connector's and QuickBooks' logs that `qbdsync doctor` runs.

Pure: no database, no network. The SOAP service, the API, the CLI and the health of a
connection all explain a problem from the same catalogue entry.
"""
