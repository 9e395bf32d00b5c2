"""InvoiceRet → Codat Invoice: kept as an import path; the mapper lives with the other sales
documents in qbdsync.mapping.sales."""

from __future__ import annotations

from qbdsync.mapping.sales import map_invoice

__all__ = ["map_invoice"]
