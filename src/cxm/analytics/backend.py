"""The analytics store connection (Ibis over DuckDB by default) and its refresh."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis

from cxm.analytics.sync import SyncReport, ensure_schema, sync
from cxm.core.db import Database
from cxm.core.settings import Settings


class Analytics:
    """One Ibis connection to the analytics store; queries see the store's latest writes."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        path = settings.resolved_analytics_path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con: Any = ibis.duckdb.connect(str(path))
        self._lock = threading.RLock()
        with self._lock:
            ensure_schema(self.duck)

    @property
    def duck(self) -> Any:
        return self.con.con

    def refresh(self) -> SyncReport:
        with self._lock:
            return sync(self.db, self.duck)

    @contextmanager
    def fresh(self) -> Iterator[Any]:
        """The Ibis connection, after syncing what is new, held for one analysis."""
        with self._lock:
            sync(self.db, self.duck)
            yield self.con

    def close(self) -> None:
        with self._lock:
            self.con.disconnect()
