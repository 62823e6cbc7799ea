"""The small demo world shared by every part's tests (built once per test run)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from cxm.core.db import Database
from cxm.demo.world import DemoSummary

SEED = 3


@dataclass(frozen=True)
class World:
    db: Database
    summary: DemoSummary

    def copy_to(self, path: Path) -> str:
        """A copy of the world's SQLite file at ``path`` (the shared world stays untouched),
        as a database URL."""
        source = sqlite3.connect(self.db.engine.url.database or "")
        try:
            with sqlite3.connect(path) as target:
                source.backup(target)
        finally:
            source.close()
        return f"sqlite:///{path}"
