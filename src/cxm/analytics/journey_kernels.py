"""One-pass journey kernels over the journey store's sorted, integer-encoded events.

The frame holds each person's events together and in order (``journey_store``). A journey
starts at a person's first event and after every gap longer than ``gap_days``, or after
each order cycle's last event (``journeys.cut_journeys``); everything
else is a shift and a same-journey mask (directly-follows pairs) or a segment reduction
over each journey's contiguous rows (variants, durations). Variants are grouped by a 64-bit
hash of (step, position) over each journey, then named from one journey of each; results
equal the portable Ibis path's (a test compares them on the demo world).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import polars as pl

from cxm.analytics.journeys import Edge, JourneyQuery, Variant, cut_journeys

SEPARATOR = "\u2192"
_EPOCH = datetime(1970, 1, 1)


def _local_secs(day: datetime) -> int:
    return int((day - _EPOCH).total_seconds())


@dataclass(frozen=True)
class Picks:
    """The query's filters as integer codes: persons allowed (None: all), the touchpoints of
    the channel asked for, the touchpoint a journey must start at (-1: unknown code)."""

    persons: Collection[int] | None = None
    channel_steps: Collection[int] = field(default_factory=tuple)
    first: int | None = None


def journeys(
    frame: pl.DataFrame,
    q: JourneyQuery,
    locations: Mapping[str, int],
    picks: Picks | None = None,
) -> pl.DataFrame:
    """The query's events with a ``journey`` number (dense, in row order)."""
    q.check()
    picks = picks or Picks()
    if q.split != "order" and "order_id" in frame.columns:
        frame = frame.drop("order_id")  # not read from the memory-mapped file at all
    if picks.persons is not None:
        frame = frame.filter(
            pl.col("person").is_in(pl.Series(list(picks.persons), dtype=pl.Int64).implode())
        )
    if q.since:
        frame = frame.filter(pl.col("lsecs") >= _local_secs(datetime.combine(q.since, time())))
    if q.until:
        end = datetime.combine(q.until + timedelta(days=1), time())
        frame = frame.filter(pl.col("lsecs") < _local_secs(end))
    if frame.height == 0:
        return frame.with_columns(pl.lit(0, dtype=pl.Int64).alias("journey"))
    frame = cut_journeys(frame, q)
    if q.store:
        store = locations.get(q.store)
        if store is None:
            return frame.clear()
        keep = frame.filter(pl.col("location") == store)["journey"].unique().implode()
        frame = frame.filter(pl.col("journey").is_in(keep))
    if q.channel:
        steps = pl.Series(list(picks.channel_steps), dtype=frame["step"].dtype).implode()
        keep = frame.filter(pl.col("step").is_in(steps))["journey"].unique().implode()
        frame = frame.filter(pl.col("journey").is_in(keep))
    if q.first:
        starts_at = frame.filter(pl.col("journey") != pl.col("journey").shift(1).fill_null(-1))
        keep = starts_at.filter(pl.col("step") == (picks.first or -1))["journey"].implode()
        frame = frame.filter(pl.col("journey").is_in(keep))
    return frame


def dfg(frame: pl.DataFrame, names: Mapping[int, str]) -> list[Edge]:
    if frame.height == 0:
        return []
    total = frame["journey"].n_unique()
    pairs = frame.select(
        "journey",
        source=pl.col("step"),
        target=pl.col("step").shift(-1),
        seconds=pl.col("secs").shift(-1) - pl.col("secs"),
        same=pl.col("journey") == pl.col("journey").shift(-1),
    ).filter(pl.col("same"))
    hours = pl.col("seconds") / 3600
    grouped = pairs.group_by(["source", "target"]).agg(
        count=pl.len(),
        journeys=pl.col("journey").n_unique(),
        median_hours=hours.median(),
        p90_hours=hours.quantile(0.9, interpolation="linear"),
    )
    edges = [
        Edge(
            names[r["source"]],
            names[r["target"]],
            r["count"],
            r["journeys"],
            r["journeys"] / total,
            float(r["median_hours"]),
            float(r["p90_hours"]),
        )
        for r in grouped.iter_rows(named=True)
    ]
    edges.sort(key=lambda e: (-e.count, e.source, e.target))
    return edges


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a well-spread 64-bit hash of each value."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        mixed: np.ndarray = x ^ (x >> np.uint64(31))
        return mixed


def _ranked(
    frame: pl.DataFrame, names: Mapping[int, str], top: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The top variants (ranked, named) and every journey's variant key, start and length."""
    journey = frame["journey"].to_numpy()
    steps = frame["step"].to_numpy().astype(np.uint64)
    secs = frame["secs"].to_numpy()
    n = journey.size
    starts = np.flatnonzero(np.r_[True, journey[1:] != journey[:-1]])
    lengths = np.diff(np.r_[starts, n])
    position = (np.arange(n) - np.repeat(starts, lengths)).astype(np.uint64)
    with np.errstate(over="ignore"):
        hashed = _mix(steps * np.uint64(0x9E3779B97F4A7C15) + position)
        key = np.add.reduceat(hashed, starts) ^ _mix(lengths.astype(np.uint64))
    days = (secs[starts + lengths - 1] - secs[starts]) / 86400
    per_journey = pl.DataFrame({"key": key, "days": days, "start": starts, "length": lengths})
    grouped = per_journey.group_by("key").agg(
        journeys=pl.len(),
        median_days=pl.col("days").median(),
        start=pl.col("start").first(),
        length=pl.col("length").first(),
    )
    counts = grouped["journeys"].sort(descending=True)
    floor = int(counts[min(top, counts.len()) - 1])
    chosen = grouped.filter(pl.col("journeys") >= floor).with_row_index("v")
    rows = np.repeat(chosen["start"].to_numpy(), chosen["length"].to_numpy())
    rows += np.arange(rows.size) - np.repeat(
        np.cumsum(np.r_[0, chosen["length"].to_numpy()[:-1]]), chosen["length"].to_numpy()
    )
    step_rows = pl.DataFrame(
        {
            "v": np.repeat(chosen["v"].to_numpy(), chosen["length"].to_numpy()),
            "name": frame["step"]
            .gather(rows)
            .replace_strict(list(names), list(names.values()), return_dtype=pl.String),
        }
    )
    named = step_rows.group_by("v", maintain_order=True).agg(
        steps=pl.col("name"), label=pl.col("name").str.join(SEPARATOR)
    )
    result = (
        chosen.join(named, on="v").sort(["journeys", "label"], descending=[True, False]).head(top)
    )
    return result.with_row_index("rank"), per_journey


def variants(frame: pl.DataFrame, names: Mapping[int, str], top: int = 20) -> list[Variant]:
    if frame.height == 0:
        return []
    result, per_journey = _ranked(frame, names, top)
    return _as_variants(result, per_journey.height)


def _as_variants(result: pl.DataFrame, total: int) -> list[Variant]:
    return [
        Variant(list(r["steps"]), r["journeys"], r["journeys"] / total, float(r["median_days"]))
        for r in result.iter_rows(named=True)
    ]


def variant_journeys(
    frame: pl.DataFrame, names: Mapping[int, str], top: int = 20
) -> tuple[list[Variant], pl.DataFrame]:
    """The top variants, and the journeys of those variants only (``rank``: the variant's
    place in the list; ``person``; ``first`` and ``last``: their first and last event's
    seconds; ``last_row``: the last event's ``row`` when the frame has that column)."""
    if frame.height == 0:
        return [], pl.DataFrame()
    result, per_journey = _ranked(frame, names, top)
    members = per_journey.join(result.select("key", "rank"), on="key")
    starts = pl.Series(members["start"].to_numpy())
    ends = pl.Series(members["start"].to_numpy() + members["length"].to_numpy() - 1)
    picked = {
        "rank": members["rank"],
        "person": frame["person"].gather(starts),
        "first": frame["secs"].gather(starts),
        "last": frame["secs"].gather(ends),
    }
    if "row" in frame.columns:
        picked["last_row"] = frame["row"].gather(ends)
    return _as_variants(result, per_journey.height), pl.DataFrame(picked)


def load(analytics: Any, org_id: int, q: JourneyQuery) -> tuple[pl.DataFrame, dict[int, str]]:
    """The query's journeys from the journey store, and the touchpoints' codes by id."""
    from cxm.analytics.journey_store import sorted_events

    with analytics.fresh() as con:
        return read(con, sorted_events(analytics, org_id), org_id, q)


def read(
    con: Any, frame: pl.DataFrame, org_id: int, q: JourneyQuery
) -> tuple[pl.DataFrame, dict[int, str]]:
    """The query's journeys from the journey store's ``frame`` (``con``: synced Ibis DuckDB)."""
    tps = con.table("touchpoint").filter(con.table("touchpoint").organization_id == org_id)
    names = {
        int(r["id"]): str(r["code"]) for r in tps.select("id", "code").to_pyarrow().to_pylist()
    }
    locs = con.table("location").filter(con.table("location").organization_id == org_id)
    locations = {
        str(r["code"]): int(r["id"]) for r in locs.select("id", "code").to_pyarrow().to_pylist()
    }
    picks = _picks(con, org_id, q, names)
    return journeys(frame, q, locations, picks), names


def _picks(con: Any, org_id: int, q: JourneyQuery, names: Mapping[int, str]) -> Picks:
    from cxm.analytics.journeys import people

    persons = None
    if q.picks_people:
        persons = people(con, org_id, q).to_pyarrow().column("who").to_pylist()
    steps: list[int] = []
    if q.channel:
        rows = con.con.execute(
            "SELECT id FROM touchpoint WHERE organization_id = ? AND channel = ?",
            [org_id, q.channel],
        ).fetchall()
        steps = [int(r[0]) for r in rows]
    codes = {code: i for i, code in names.items()}
    first = codes.get(q.first, -1) if q.first else None
    return Picks(persons, steps, first)


@dataclass(frozen=True)
class FirstThroughput:
    first: str  # the journeys' first touchpoint
    journeys: int
    median_hours: float
    p90_hours: float


@dataclass(frozen=True)
class Throughput:
    """Per-journey throughput time (first to last event, whole seconds), summarised."""

    journeys: int
    single_event: int  # journeys of one event (throughput 0)
    mean_hours: float | None
    median_hours: float | None
    p90_hours: float | None
    by_first: list[FirstThroughput] = field(default_factory=list)


def durations(frame: pl.DataFrame) -> pl.DataFrame:
    """Each journey's throughput time, in journey order: ``first`` (its first touchpoint),
    ``events`` and ``hours`` from its first to its last event. A journey's rows are
    contiguous (``journeys`` numbers them in row order), so this reduces over the segments
    instead of grouping."""
    journey, secs = frame["journey"].to_numpy(), frame["secs"].to_numpy()
    if journey.size == 0:
        return pl.DataFrame(
            schema={"first": frame["step"].dtype, "events": pl.Int64, "hours": pl.Float64}
        )
    starts = np.flatnonzero(np.r_[True, journey[1:] != journey[:-1]])
    span = np.maximum.reduceat(secs, starts) - np.minimum.reduceat(secs, starts)
    return pl.DataFrame(
        {
            "first": frame["step"].gather(starts),
            "events": np.diff(np.r_[starts, journey.size]),
            "hours": span / 3600,
        }
    )


def throughput(frame: pl.DataFrame, names: Mapping[int, str]) -> Throughput:
    if frame.height == 0:
        return Throughput(0, 0, None, None, None)
    per_journey = durations(frame)
    hours = pl.col("hours")
    overall = per_journey.select(
        mean=hours.mean(), median=hours.median(), p90=hours.quantile(0.9, interpolation="linear")
    ).row(0, named=True)
    grouped = per_journey.group_by("first").agg(
        journeys=pl.len(),
        median_hours=hours.median(),
        p90_hours=hours.quantile(0.9, interpolation="linear"),
    )
    by_first = [
        FirstThroughput(
            names[r["first"]], r["journeys"], float(r["median_hours"]), float(r["p90_hours"])
        )
        for r in grouped.iter_rows(named=True)
    ]
    by_first.sort(key=lambda f: (-f.journeys, f.first))
    return Throughput(
        per_journey.height,
        int((per_journey["events"] == 1).sum()),
        float(overall["mean"]),
        float(overall["median"]),
        float(overall["p90"]),
        by_first,
    )


def load_throughput(analytics: Any, org_id: int, q: JourneyQuery) -> Throughput:
    """Throughput time from the journey store (the embedded default's fast path)."""
    frame, names = load(analytics, org_id, q)
    return throughput(frame, names)
