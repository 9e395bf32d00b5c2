"""Writes into QuickBooks: what each data type's push needs (``kinds``), and its registry.

The push layer is pure: it validates a Codat-shaped payload against QuickBooks' limits and the
synced data (through a ``Lookup`` the caller backs with the store), turns it into a qbXML write
request, and maps QuickBooks' answer back into records. Queueing, ordering, sessions and
exactly-once recovery live in the store and the session core.
"""
