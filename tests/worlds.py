"""The small demo world shared by every part's tests (built once per test run)."""

from __future__ import annotations

from dataclasses import dataclass

from cxm.core.db import Database
from cxm.demo.world import DemoSummary

SEED = 3


@dataclass(frozen=True)
class World:
    db: Database
    summary: DemoSummary
