"""Reading import files in chunks: CSV, JSON Lines, Parquet and XES (IEEE 1849) event logs."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from cxm.core.errors import ValidationError

FORMATS = ("csv", "jsonl", "parquet", "xes")
EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xes": "xes",
}


def detect_format(path: Path, given: str | None) -> str:
    if given:
        if given not in FORMATS:
            raise ValidationError(f"Unknown format {given!r}; use one of {', '.join(FORMATS)}.")
        return given
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            f"Cannot tell the format of {path.name} from its extension; pass --format."
        )
    return fmt


def read_chunks(path: Path, fmt: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The file's rows as DataFrames of at most ``chunk_rows`` rows, all columns as read.

    A file that stops making sense part-way raises ValidationError when reading reaches the
    spot; the chunks before it have been handed out (and an import has stored them).
    """
    if not path.exists():
        raise ValidationError(f"No file {path}.")
    chunks = _chunks(path, fmt, chunk_rows)
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except (pl.exceptions.PolarsError, pa.ArrowException, ET.ParseError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValidationError(f"{path.name} cannot be read as {fmt}: {reason}") from exc
        yield chunk


def _chunks(path: Path, fmt: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    if fmt == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield frame
    elif fmt == "csv":
        # Streamed; every column as text, checked later.
        lazy = pl.scan_csv(path, infer_schema=False)
        yield from lazy.collect_batches(chunk_size=chunk_rows)
    elif fmt == "jsonl":
        # Streamed; the schema is inferred from the whole file (a first pass) so that a field
        # first seen late is kept.
        lazy = pl.scan_ndjson(path, infer_schema_length=None)
        yield from lazy.collect_batches(chunk_size=chunk_rows)
    else:
        rows: list[dict[str, Any]] = []
        for row in iter_xes(path):
            rows.append(row)
            if len(rows) == chunk_rows:
                yield pl.DataFrame(rows, infer_schema_length=None)
                rows = []
        if rows:
            yield pl.DataFrame(rows, infer_schema_length=None)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xes_id(trace: str | None, position: int, event: dict[str, Any]) -> str:
    content = "\x1f".join(f"{k}={v}" for k, v in sorted(event.items()))
    digest = hashlib.sha1(f"{trace}\x1f{position}\x1f{content}".encode()).hexdigest()
    return "xes-" + digest[:32]


def iter_xes(path: Path) -> Iterator[dict[str, Any]]:
    """Events of an XES log, streamed: one dict per event, with its trace's name as user_id.

    ``concept:name`` of an event becomes ``event``, ``time:timestamp`` becomes ``timestamp``;
    other attributes keep their keys. File order is kept, so tied timestamps keep it too.
    An event's id is its ``identity:id`` or else derived from its trace, its position in the
    trace and its content: identical events repeated in a trace (a log's real repetitions)
    are all kept, and importing the same log again stores nothing twice.
    """
    trace_name: str | None = None
    position = 0
    depth = 0
    in_event = False
    event: dict[str, Any] = {}
    for action, elem in ET.iterparse(path, events=("start", "end")):
        tag = _local(elem.tag)
        if action == "start":
            depth += 1
            if tag == "trace":
                trace_name, position = None, 0
            elif tag == "event":
                in_event, event = True, {}
            continue
        depth -= 1
        key, value = elem.get("key"), elem.get("value")
        if tag == "event":
            in_event = False
            position += 1
            given = event.pop("identity:id", None)
            row = {"user_id": trace_name, **event}
            row["message_id"] = given or _xes_id(trace_name, position, event)
            yield row
            elem.clear()
        elif tag == "trace":
            elem.clear()
        elif key is not None and value is not None:
            if in_event:
                name = {"concept:name": "event", "time:timestamp": "timestamp"}.get(key, key)
                event[name] = value
            elif key == "concept:name" and depth == 2:
                trace_name = value
