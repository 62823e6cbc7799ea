"""Bulk import of events, orders and customers from files: column-wise, chunked, idempotent.

Every row is either stored or written to the rejects file with its row number, field and
reason; missing required columns refuse the whole file before anything is stored. Events are
stored exactly as the HTTP batch path stores them (same identities, touchpoints, message-id
idempotency); a file without message ids gets ids derived from each row's content, so
importing the same file again stores nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import polars as pl

from cxm.core.errors import Fault, ValidationError
from cxm.ingest.sources import detect_format, read_chunks

IDENTITY_COLUMNS = ("user_id", "anonymous_id", "email", "phone", "loyalty_card", "crm_id")
CHUNK_ROWS = 100_000
T = TypeVar("T")


@dataclass
class ImportSummary:
    kind: str
    file: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_file: str | None = None
    faults: list[Fault] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "read": self.read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "rejects_file": self.rejects_file,
        }


def parse_mapping(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``target=source`` pairs as {source: target}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, source = pair.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise ValidationError(f"--map takes target=source, not {pair!r}.")
        mapping[source.strip()] = target.strip()
    return mapping


def prepare_frame(frame: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    present = {s: t for s, t in mapping.items() if s in frame.columns}
    return frame.rename(present) if present else frame


def require(columns: list[str], required: tuple[str, ...], one_of: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in columns]
    if one_of and not any(c in columns for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        raise ValidationError(
            f"The file lacks column(s) {', '.join(missing)} (after --map); "
            f"it has: {', '.join(columns)}.",
            [Fault("missing column", m) for m in missing],
        )


def utc_timestamps(col: pl.Series) -> pl.Series:
    """Timestamps as UTC datetimes; unparseable values become null."""
    if col.dtype == pl.Datetime:
        tz = getattr(col.dtype, "time_zone", None)
        return (
            col.dt.replace_time_zone("UTC") if tz is None else col.dt.convert_time_zone("UTC")
        ).cast(pl.Datetime("us", "UTC"))
    text = col.cast(pl.String)
    fast = text.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    if fast.null_count() == text.null_count():
        return fast
    # Mixed offsets or odd forms: fall back to Python's ISO 8601 reader, row by row.
    return pl.Series(col.name, [_iso(v) for v in text.to_list()], dtype=pl.Datetime("us", "UTC"))


def _iso(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def content_ids(frame: pl.DataFrame, prefix: str) -> pl.Series:
    """Deterministic ids from each row's content (stable across runs and versions)."""
    joined = frame.select(
        pl.concat_str(
            [pl.col(c).cast(pl.String).fill_null("") for c in sorted(frame.columns)],
            separator="\x1f",
        )
    ).to_series()
    return pl.Series(
        "message_id", [prefix + hashlib.sha1(v.encode()).hexdigest()[:32] for v in joined.to_list()]
    )


class RejectWriter:
    """The rejects file: row number (1-based data row), field, reason, and the raw row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fh: Any = None
        self._writer: Any = None

    def add(self, row: int, field_name: str | None, reason: str, raw: dict[str, Any]) -> None:
        if self._writer is None:
            self._fh = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(["row", "field", "reason", "data"])
        self.count += 1
        data = ";".join(f"{k}={v}" for k, v in raw.items() if v is not None)
        self._writer.writerow([row, field_name or "", reason, data[:2000]])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


Progress = Callable[[int], None]


def run_import(
    kind: str,
    path: Path,
    fmt: str | None,
    mapping: dict[str, str],
    rejects: Path,
    handler: Callable[[pl.DataFrame, int, RejectWriter], tuple[int, int]],
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportSummary:
    """Feed the file to ``handler`` chunk by chunk; it returns (stored, duplicates)."""
    summary = ImportSummary(kind, str(path))
    writer = RejectWriter(rejects)
    offset = 0
    try:
        for chunk in read_chunks(path, detect_format(path, fmt), chunk_rows):
            frame = prepare_frame(chunk, mapping)
            stored, dupes = handler(frame, offset, writer)
            summary.read += frame.height
            summary.stored += stored
            summary.duplicates += dupes
            offset += frame.height
            if progress:
                progress(summary.read)
    finally:
        writer.close()
    summary.rejected = writer.count
    summary.rejects_file = str(rejects) if writer.count else None
    return summary


def run_staged_import(
    kind: str,
    path: Path,
    fmt: str | None,
    mapping: dict[str, str],
    rejects: Path,
    prepare: Callable[[pl.DataFrame, int, RejectWriter], T],
    store: Callable[[Iterator[T]], Iterator[tuple[int, int]]],
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportSummary:
    """``run_import`` in two stages that overlap: a background thread reads each chunk and
    ``prepare``s it (validation, rejects) while ``store`` writes the chunks prepared before.

    ``store`` consumes the prepared chunks in file order and yields (stored, duplicates)
    for each, after its commit.
    """
    summary = ImportSummary(kind, str(path))
    writer = RejectWriter(rejects)
    fmt = detect_format(path, fmt)

    def produce() -> Iterator[tuple[int, T]]:
        offset = 0
        for chunk in _head_first(read_chunks(path, fmt, chunk_rows), chunk_rows // FIRST_SHARE):
            frame = prepare_frame(chunk, mapping)
            yield frame.height, prepare(frame, offset, writer)
            offset += frame.height

    heights: deque[int] = deque()

    def feed(items: Iterator[tuple[int, T]]) -> Iterator[T]:
        for height, item in items:
            heights.append(height)
            yield item

    try:
        with ReadAhead(produce()) as ahead:
            for stored, dupes in store(feed(iter(ahead))):
                summary.read += heights.popleft()
                summary.stored += stored
                summary.duplicates += dupes
                if progress:
                    progress(summary.read)
    finally:
        writer.close()
    summary.rejected = writer.count
    summary.rejects_file = str(rejects) if writer.count else None
    return summary


# The first chunk is split so that its head (1/FIRST_SHARE of it) reaches the writer early:
# the writer would otherwise wait for a whole chunk to be read before it can start.
FIRST_SHARE = 8


def _head_first(chunks: Iterator[pl.DataFrame], head: int) -> Iterator[pl.DataFrame]:
    """``chunks`` with the first one split after ``head`` rows."""
    for i, chunk in enumerate(chunks):
        if i == 0 and 0 < head < chunk.height:
            yield chunk.head(head)
            yield chunk.slice(head)
        else:
            yield chunk


class ReadAhead(Generic[T]):
    """An iterator's items produced by a background thread, ``depth`` ahead of the reader.

    Reading Parquet and validating in Polars mostly run without the GIL, so they overlap
    with the writer's SQLite statements. An error in the producer is raised to the reader;
    leaving the block early stops the producer.
    """

    _END = object()

    def __init__(self, source: Iterator[T], depth: int = 1) -> None:
        self._source = source
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cxm-read-ahead", daemon=True)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
            self._put(self._END)
        except BaseException as exc:  # handed to the reader, raised there
            self._put(exc)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def future_limit(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + timedelta(hours=24)
