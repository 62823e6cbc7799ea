"""The analytics store connection (Ibis over DuckDB by default) and its refresh.

A DuckDB file has one writing process at a time. A single server process (the embedded
default) keeps its connection open. Several server processes (``cxm serve --workers N``)
set ``analytics_shared``: each opens the file for one analysis (sync, then query) and
closes it, waiting its turn while another process holds it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import duckdb
import ibis

from cxm.analytics.sync import SyncReport, ensure_schema, sync
from cxm.core.db import Database
from cxm.core.errors import CxmError
from cxm.core.settings import Settings

WAIT_SECONDS = 60.0  # longest wait for another process to let go of the file
CACHED_RESULTS = 64
T = TypeVar("T")


class Analytics:
    """Ibis over the analytics store; queries see the store's latest writes."""

    def __init__(self, db: Database, settings: Settings, shared: bool | None = None) -> None:
        self.db = db
        self.settings = settings
        self.path = settings.resolved_analytics_path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.shared = settings.analytics_shared if shared is None else shared
        self._lock = threading.RLock()
        self._depth = 0  # analyses under way in the thread holding the lock
        self._results: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self.con: Any = None
        with self._lock:
            if self.shared:
                with self._opened():
                    pass
            else:
                self.con = self._connect()
                ensure_schema(self.duck)

    def _connect(self) -> Any:
        """Open the file, waiting while another process holds it."""
        deadline = time.monotonic() + WAIT_SECONDS
        pause = 0.02
        while True:
            try:
                return ibis.duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise CxmError(f"The analytics store {self.path} is busy: {exc}") from exc
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    @contextmanager
    def _opened(self) -> Iterator[Any]:
        with self._lock:
            if self.con is not None:  # kept open, or opened by an enclosing analysis
                yield self.con
                return
            self.con = self._connect()
            try:
                ensure_schema(self.duck)
                yield self.con
            finally:
                self.con.disconnect()
                self.con = None

    @property
    def duck(self) -> Any:
        return self.con.con

    def refresh(self) -> SyncReport:
        with self._opened():
            return sync(self.db, self.duck)

    @contextmanager
    def fresh(self) -> Iterator[Any]:
        """The Ibis connection, after syncing what is new, held for one analysis. Analyses
        nested in another one (a page's many figures) share its sync: they see one state."""
        with self._opened():
            if self._depth == 0:
                sync(self.db, self.duck)
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1

    def version(self) -> int:
        """How many syncs (of any process) have changed the analytics store: a result
        computed at one version holds until it changes."""
        with self._opened():
            rows = self.duck.execute("SELECT low FROM _sync_state WHERE id = 2").fetchall()
            return int(rows[0][0]) if rows else 0

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s result for ``key``, reused while the synced data stay the same
        (after syncing what is new, as every analysis does). Keys name the analysis and all
        of its parameters; the newest ``CACHED_RESULTS`` results are kept."""
        with self.fresh():
            version = self.version()
            hit = self._results.get(key)
            if hit is not None and hit[0] == version:
                self._results.move_to_end(key)
                return cast(T, hit[1])
            value = compute()
            self._results[key] = (version, value)
            while len(self._results) > CACHED_RESULTS:
                self._results.popitem(last=False)
            return value

    def close(self) -> None:
        with self._lock:
            if self.con is not None and not self.shared:
                self.con.disconnect()
                self.con = None
