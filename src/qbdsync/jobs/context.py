"""What a background job runs with in one process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from qbdsync.settings import Settings
from qbdsync.webhooks.delivery import Deliverer
from qbdsync.webhooks.destinations import Resolver, system_resolver


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobContext:
    """What a job runs with in one process: the database, the settings, and what a job keeps
    between its runs there (the webhook HTTP client)."""

    engine: Engine
    settings: Settings
    resolver: Resolver = system_resolver
    clock: Callable[[], datetime] = _utc_now
    _deliverer: Deliverer | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _closed: bool = field(default=False, init=False, repr=False)

    def now(self) -> datetime:
        return self.clock()

    @property
    def deliverer(self) -> Deliverer | None:
        """This process's webhook poster, made at first use; None once closed."""
        with self._lock:
            if self._closed:
                return None
            if self._deliverer is None:
                self._deliverer = Deliverer.from_settings(
                    self.engine, self.settings, resolver=self.resolver
                )
            return self._deliverer

    def close(self, timeout: float | None = None) -> None:
        """End a webhook pass in flight (unposted claims go back) and close its HTTP client."""
        with self._lock:
            self._closed = True
            deliverer, self._deliverer = self._deliverer, None
        if deliverer is not None:
            deliverer.close(timeout)
