"""Rows held on disk by day of arrival until the whole population is simulated.

Customers are simulated a chunk at a time, each over the whole year; a live feed delivers
their events in time order instead. The spool keeps memory bounded (one chunk, then one
day at a time) and gives the rows back in arrival order, so ids follow arrival.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from cxm.demo.storage import Row


class Spool:
    """Rows bucketed by day, each sorted within its day by one of its columns."""

    def __init__(self, directory: Path, name: str, sort_column: int, origin: datetime) -> None:
        self.directory = directory
        self.name = name
        self.sort_column = sort_column  # a time, as a datetime or as ISO text
        self.origin = origin
        self.count = 0
        self._days: set[int] = set()

    def _path(self, day: int) -> Path:
        return self.directory / f"{self.name}-{day:05d}.pickle"

    def add(self, rows: list[Row], times: list[datetime]) -> None:
        """Hold ``rows``; ``times[i]`` is when row i arrives."""
        buckets: dict[int, list[Row]] = defaultdict(list)
        origin = self.origin
        for row, ts in zip(rows, times, strict=True):
            buckets[max(0, (ts - origin).days)].append(row)
        for day, bucket in buckets.items():
            with self._path(day).open("ab") as f:
                pickle.dump(bucket, f, protocol=pickle.HIGHEST_PROTOCOL)
        self._days.update(buckets)
        self.count += len(rows)

    def _day(self, day: int) -> list[Row]:
        path = self._path(day)
        rows: list[Row] = []
        with path.open("rb") as f:
            while True:
                try:
                    rows.extend(pickle.load(f))
                except EOFError:
                    break
        path.unlink()
        col = self.sort_column
        rows.sort(key=lambda r: r[col])  # stable: ties keep the order they were added in
        return rows

    def batches(self, size: int) -> Iterator[list[Row]]:
        """Every row in time order, in batches of whole days of about ``size`` rows."""
        batch: list[Row] = []
        for day in sorted(self._days):
            batch.extend(self._day(day))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
        self._days.clear()
