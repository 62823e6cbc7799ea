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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from cxm.core.errors import Fault, ValidationError
from cxm.ingest.sources import detect_format, read_chunks

IDENTITY_COLUMNS = ("user_id", "anonymous_id", "email", "phone", "loyalty_card", "crm_id")
CHUNK_ROWS = 100_000


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


def prepare(frame: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
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
            frame = prepare(chunk, mapping)
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


def future_limit(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + timedelta(hours=24)
