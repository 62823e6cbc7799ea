"""Importing events column-wise: validate in Polars, resolve identities per distinct customer,
map touchpoints per distinct (event, channel, location), insert set-wise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import polars as pl

from cxm.core.bulk import insert_tuples
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.ingest.identity import Claim, normalise, resolve
from cxm.ingest.imports import (
    IDENTITY_COLUMNS,
    RejectWriter,
    content_ids,
    future_limit,
    require,
    utc_timestamps,
)
from cxm.ingest.models import CHANNELS, Event
from cxm.ingest.orders import order_ids
from cxm.ingest.touchpoints import TouchpointMapper

RESERVED = (
    "message_id",
    "type",
    "event",
    "timestamp",
    "channel",
    "location",
    "order_id",
    *IDENTITY_COLUMNS,
)
EVENT_COLUMNS = [
    "organization_id",
    "message_id",
    "type",
    "name",
    "customer_id",
    "touchpoint_id",
    "channel",
    "location_id",
    "order_id",
    "occurred_at",
    "received_at",
    "properties",
    "unmapped",
    "sync_mark",
]


def _text(frame: pl.DataFrame, name: str) -> pl.Expr:
    if name not in frame.columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    return pl.col(name).cast(pl.String).str.strip_chars().replace("", None).alias(name)


def _reject(
    frame: pl.DataFrame, mask: pl.Series, field: str, reason: str, offset: int, out: RejectWriter
) -> pl.DataFrame:
    bad = frame.filter(mask)
    for row in bad.iter_rows(named=True):
        out.add(
            offset + row["_row"] + 1,
            field,
            reason,
            {k: v for k, v in row.items() if not k.startswith("_")},
        )
    return frame.filter(~mask)


def validate_events(raw: pl.DataFrame, offset: int, out: RejectWriter) -> pl.DataFrame:
    """The chunk's good rows, normalised; bad ones go to ``out``."""
    require(raw.columns, ("event", "timestamp"), IDENTITY_COLUMNS)
    extras = [c for c in raw.columns if c not in RESERVED]
    frame = raw.with_row_index("_row").with_columns(
        [
            _text(raw, c)
            for c in (
                "message_id",
                "type",
                "event",
                "channel",
                "location",
                "order_id",
                *IDENTITY_COLUMNS,
            )
        ]
    )
    if extras:
        frame = frame.with_columns(
            pl.struct([pl.col(c) for c in extras]).struct.json_encode().alias("_properties")
        )
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("_properties"))
    frame = frame.with_columns(utc_timestamps(raw["timestamp"]).alias("_ts"))
    if frame["message_id"].null_count() == frame.height:
        frame = frame.with_columns(content_ids(raw, "imp-"))
    checks: list[tuple[pl.Expr, str, str]] = [
        (pl.col("message_id").is_null(), "message_id", "is empty"),
        (pl.col("message_id").str.len_chars() > 128, "message_id", "is longer than 128"),
        (pl.col("event").is_null(), "event", "is required"),
        (pl.col("event").str.len_chars() > 200, "event", "is longer than 200 characters"),
        (pl.col("_ts").is_null(), "timestamp", "is not an ISO 8601 timestamp"),
        (pl.col("_ts") > future_limit(), "timestamp", "lies more than 24 hours in the future"),
        (
            pl.all_horizontal([pl.col(c).is_null() for c in IDENTITY_COLUMNS]),
            "user_id",
            "no identity: give user_id, anonymous_id, email, phone, loyalty_card or crm_id",
        ),
        (
            pl.col("type").is_not_null() & ~pl.col("type").is_in(["track", "page", "screen"]),
            "type",
            "must be track, page or screen",
        ),
    ]
    for expr, field, reason in checks:
        mask = frame.select(expr.fill_null(False)).to_series()
        if mask.any():
            frame = _reject(frame, mask, field, reason, offset, out)
    dupes = frame["message_id"].is_duplicated() & ~frame["message_id"].is_first_distinct()
    if dupes.any():
        frame = _reject(frame, dupes, "message_id", "repeats an earlier row's id", offset, out)
    return frame


def _customers(conn: Any, org_id: int, frame: pl.DataFrame, mark: int) -> pl.Series:
    present = [c for c in IDENTITY_COLUMNS if frame[c].null_count() < frame.height]
    # One claim per distinct combination of identities, first seen at its earliest event.
    combos = frame.group_by(present, maintain_order=True).agg(pl.col("_ts").min())
    claims = []
    for row in combos.iter_rows():
        keys = [
            (kind, normalise(kind, str(v)))
            for kind, v in zip(present, row, strict=False)
            if v is not None
        ]
        claims.append(Claim(keys, row[-1], keys[0]))
    ids = resolve(conn, org_id, claims, mark).customer_ids
    lookup = combos.drop("_ts").with_columns(pl.Series("customer_id", ids, dtype=pl.Int64))
    return frame.join(lookup, on=present, how="left", nulls_equal=True)["customer_id"]


def store_events(db: Database, org_id: int, frame: pl.DataFrame) -> tuple[int, int]:
    if frame.height == 0:
        return 0, 0
    with db.writer() as conn:
        mark = change_mark(conn)
        frame = frame.with_columns(_customers(conn, org_id, frame, mark))
        mapper = TouchpointMapper.load(conn, org_id)
        frame = frame.with_columns(
            pl.when(pl.col("channel").is_in(list(CHANNELS)))
            .then(pl.col("channel"))
            .otherwise(None)
            .alias("channel")
        )
        if mapper.needs_properties:
            props = [orjson.loads(v) if v else {} for v in frame["_properties"].to_list()]
            tps = [
                mapper.match(r["event"], r["channel"], r["location"], p)
                for r, p in zip(frame.iter_rows(named=True), props, strict=True)
            ]
            frame = frame.with_columns(pl.Series("touchpoint_id", tps, dtype=pl.Int64))
        else:
            combos = frame.select("event", "channel", "location").unique()
            combos = combos.with_columns(
                pl.Series(
                    "touchpoint_id",
                    [mapper.match(e, c, loc, {}) for e, c, loc in combos.iter_rows()],
                    dtype=pl.Int64,
                )
            )
            frame = frame.join(
                combos, on=["event", "channel", "location"], how="left", nulls_equal=True
            )
        locations = pl.DataFrame(
            {"location": list(mapper.locations), "location_id": list(mapper.locations.values())},
            schema={"location": pl.String, "location_id": pl.Int64},
        )
        frame = frame.join(locations, on="location", how="left")
        wanted = frame["order_id"].drop_nulls().unique().to_list()
        orders = order_ids(conn, org_id, wanted) if wanted else {}
        frame = frame.with_columns(
            pl.col("order_id")
            .replace_strict(orders, default=None, return_dtype=pl.Int64)
            .alias("order_ref")
        )
        sqlite = conn.dialect.name == "sqlite"
        now = datetime.now(UTC)
        ts = pl.col("_ts")
        out = frame.sort("_row").select(
            pl.lit(org_id).alias("organization_id"),
            "message_id",
            pl.col("type").fill_null("track"),
            pl.col("event"),
            "customer_id",
            "touchpoint_id",
            "channel",
            "location_id",
            "order_ref",
            ts.dt.strftime("%Y-%m-%d %H:%M:%S%.6f") if sqlite else ts,
            pl.lit(now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now).alias("received"),
            "_properties",
            pl.col("touchpoint_id").is_null().alias("unmapped"),
            pl.lit(mark).alias("sync_mark"),
        )
        rows: list[tuple[Any, ...]] = out.rows()
        if not sqlite:
            rows = [(*r[:11], _json(r[11]), *r[12:]) for r in rows]
        stored = insert_tuples(
            conn,
            table(Event),
            EVENT_COLUMNS,
            rows,
            ignore_conflicts_on=("organization_id", "message_id"),
        )
    return stored, frame.height - stored


def _json(value: str | None) -> Any:
    return orjson.loads(value) if value is not None else None
