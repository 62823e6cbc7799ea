"""The journey store: the events of one organization, sorted by customer and time, encoded.

One Arrow file per organization beside the analytics store holds every mapped event as
integers only (person, time in microseconds, arrival id, whole UTC and organization-time
seconds, touchpoint id, location id, the order the event is about or -1), sorted by (person,
time, arrival), so the journey kernels are one pass over memory-mapped columns (a query by
inactivity never reads the order column). Events added since the file was written
are the delta: read from the analytics store at query time and spliced in by person (a
kernel needs each person's events together and in order, not persons in order). A
background job (``analytics.journey_store``) writes the delta into the file when it grows.

The file records a signature of what it was built from (counts and sums over the events it
holds and over merged customers). Anything but new events (a merge, a remapped touchpoint,
an erased customer) changes the signature, and the file is rebuilt before it is used; so is
a file written with other columns (an earlier version's).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cxm.core.jobs import JobContext, enqueue, handler

COLUMNS = ("person", "us", "seq", "secs", "lsecs", "step", "location", "order_id")
DELTA_LIMIT = 200_000  # delta rows before a merge job is queued
_LOCK = threading.Lock()

_SELECT = """
SELECT coalesce(c.merged_into, c.id) AS person,
       epoch_us(e.occurred_at) AS us,
       e.id AS seq,
       CAST(floor(epoch_us(e.occurred_at) / 1000000) AS BIGINT) AS secs,
       CAST(floor(epoch_us(e.occurred_at_local) / 1000000) AS BIGINT) AS lsecs,
       CAST(e.touchpoint_id AS INTEGER) AS step,
       CAST(coalesce(e.location_id, -1) AS INTEGER) AS location,
       CAST(coalesce(e.order_id, -1) AS BIGINT) AS order_id
FROM event e JOIN customer c ON c.id = e.customer_id
WHERE e.organization_id = ? AND e.touchpoint_id IS NOT NULL AND e.id {op} ?
"""


@dataclass(frozen=True)
class Built:
    max_id: int
    signature: list[int]
    rows: int
    columns: list[str] | None = None  # None: written before the file recorded its columns


def _analytics_path(analytics: Any) -> Path:
    path: Path = analytics.settings.resolved_analytics_path
    return path


def store_dir(analytics: Any) -> Path:
    path: Path = analytics.settings.resolved_analytics_path.parent / "journeys"
    return path


def _paths(analytics: Any, org_id: int) -> tuple[Path, Path]:
    base = store_dir(analytics)
    return base / f"org-{org_id}.arrow", base / f"org-{org_id}.json"


def _signature(duck: Any, org_id: int, max_id: int) -> list[int]:
    """Exact integer sums (a float sum's last digits vary with DuckDB's parallel order)."""
    events = duck.execute(
        "SELECT count(*), coalesce(sum(touchpoint_id), 0), coalesce(sum(customer_id), 0), "
        "coalesce(sum(epoch_us(occurred_at)), 0) FROM event "
        "WHERE organization_id = ? AND touchpoint_id IS NOT NULL AND id <= ?",
        [org_id, max_id],
    ).fetchall()[0]
    merged = duck.execute(
        "SELECT count(*), coalesce(sum(merged_into), 0), coalesce(sum(id), 0) FROM customer "
        "WHERE organization_id = ? AND merged_into IS NOT NULL",
        [org_id],
    ).fetchall()[0]
    return [int(v) for v in (*events, *merged)]


def _read(duck: Any, org_id: int, op: str, event_id: int) -> pl.DataFrame:
    table = duck.sql(_SELECT.format(op=op), params=[org_id, event_id]).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def build(analytics: Any, org_id: int) -> Built:
    """Write the organization's sorted, encoded events (the caller holds the analytics lock)."""
    duck = analytics.duck
    [(max_id,)] = duck.execute(
        "SELECT coalesce(max(id), 0) FROM event WHERE organization_id = ?", [org_id]
    ).fetchall()
    frame = _read(duck, org_id, "<=", int(max_id)).sort(["person", "us", "seq"])
    data, meta = _paths(analytics, org_id)
    data.parent.mkdir(parents=True, exist_ok=True)
    part = data.with_suffix(".arrow.part")
    frame.write_ipc(part, compression="uncompressed")
    built = Built(int(max_id), _signature(duck, org_id, int(max_id)), frame.height, list(COLUMNS))
    part.replace(data)
    meta.write_text(json.dumps(built.__dict__), encoding="utf-8")
    return built


def _built(analytics: Any, org_id: int) -> Built | None:
    data, meta = _paths(analytics, org_id)
    if not data.exists() or not meta.exists():
        return None
    try:
        return Built(**json.loads(meta.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None


def sorted_events(analytics: Any, org_id: int) -> pl.DataFrame:
    """Every mapped event, each person's events together and in order (file plus delta).

    Call inside ``analytics.fresh()`` so the analytics store is synced first.
    """
    duck = analytics.duck
    with _LOCK:
        built = _built(analytics, org_id)
        if (
            built is None
            or built.columns != list(COLUMNS)
            or _signature(duck, org_id, built.max_id) != built.signature
        ):
            built = build(analytics, org_id)
    data, _ = _paths(analytics, org_id)
    main = pl.read_ipc(data)
    delta = _read(duck, org_id, ">", built.max_id)
    if delta.height == 0:
        return main
    if delta.height > DELTA_LIMIT:
        with analytics.db.writer() as conn:
            payload = {"org": org_id, "analytics_path": str(_analytics_path(analytics))}
            enqueue(conn, "analytics.journey_store", payload, key=f"org:{org_id}")
    touched = delta["person"].unique().implode()
    kept = main.filter(~pl.col("person").is_in(touched))
    redone = pl.concat([main.filter(pl.col("person").is_in(touched)), delta])
    return pl.concat([kept, redone.sort(["person", "us", "seq"])])


@handler("analytics.journey_store")
def _merge_delta(ctx: JobContext) -> dict[str, Any]:
    """Rewrite the journey store with its delta merged in."""
    from cxm.analytics.backend import Analytics
    from cxm.core.settings import Settings

    org_id = int(ctx.payload["org"])
    path = Path(ctx.payload["analytics_path"])
    analytics = Analytics(ctx.db, Settings(data_dir=path.parent, analytics_path=path))
    try:
        with analytics.fresh(), _LOCK:
            built = build(analytics, org_id)
    finally:
        analytics.close()
    return {"rows": built.rows, "max_id": built.max_id}


__all__ = ["COLUMNS", "build", "sorted_events", "store_dir"]
