"""Importing events column-wise: validate in Polars, resolve identities per distinct customer,
map touchpoints per distinct (event, channel, location), insert set-wise.

``import_events`` runs in two overlapping stages: a background thread reads, validates and
prepares the next chunk (on SQLite it also builds the chunk's rows in storage form, see
cxm.core.staging) while the writer stores the current one (cxm.ingest.event_store).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from cxm.core.db import Database
from cxm.core.staging import attached_stage, build_stage, load_stage, staging_directory
from cxm.ingest.event_store import (
    PLACE,
    STAGE_DDL,
    KnownCustomers,
    PreparedEvents,
    store_prepared,
)
from cxm.ingest.identity import normalise
from cxm.ingest.imports import (
    CHUNK_ROWS,
    IDENTITY_COLUMNS,
    ImportSummary,
    Progress,
    RejectWriter,
    content_ids,
    future_limit,
    require,
    run_staged_import,
    utc_timestamps,
)
from cxm.ingest.models import CHANNELS

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


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    """E-mails and phones as identity resolution keys them (each distinct value once)."""
    for kind in ("email", "phone"):
        if frame[kind].null_count() == frame.height:
            continue
        distinct = frame[kind].drop_nulls().unique().to_list()
        keys = [normalise(kind, v) for v in distinct]
        if keys != distinct:
            frame = frame.with_columns(
                pl.col(kind).replace_strict(distinct, keys, default=None, return_dtype=pl.String)
            )
    return frame


def prepare_events(frame: pl.DataFrame, stage: Path | None) -> PreparedEvents:
    """Validated rows (``validate_events``) as the writer needs them; see PreparedEvents.

    With a ``stage`` directory (SQLite), the rows are also staged there in storage form.
    """
    frame = _normalised(frame).with_columns(
        pl.when(pl.col("channel").is_in(list(CHANNELS)))
        .then(pl.col("channel"))
        .otherwise(None)
        .alias("channel"),
        pl.col("type").fill_null("track"),
    )
    present = [c for c in IDENTITY_COLUMNS if frame[c].null_count() < frame.height]
    if frame.height == 0:
        return PreparedEvents(frame, pl.DataFrame(), pl.DataFrame())
    combos = (
        frame.group_by(present, maintain_order=True)
        .agg(pl.col("_ts").min().alias("_seen"))
        .with_row_index("_combo")
    )
    places = frame.select(PLACE).unique(maintain_order=True).with_row_index("_place")
    frame = frame.join(
        combos.select(*present, "_combo"),
        on=present,
        how="left",
        nulls_equal=True,
        maintain_order="left",
    ).join(places, on=PLACE, how="left", nulls_equal=True, maintain_order="left")
    staged, kind = None, None
    if stage is not None:
        rows = frame.select(
            "message_id",
            pl.col("_ts").dt.strftime("%Y-%m-%d %H:%M:%S%.6f").alias("occurred_at"),
            pl.col("_properties").alias("properties"),
            pl.col("_combo").cast(pl.Int64).alias("combo"),
            pl.col("_place").cast(pl.Int64).alias("place"),
            pl.col("order_id").alias("order_ext"),
        )
        tables = {"rows": _arrow(rows)}
        if len(present) == 1:
            kind = present[0]
            tables["identities"] = _arrow(
                combos.select(
                    pl.col("_combo").cast(pl.Int64).alias("combo"),
                    pl.col(kind).alias("value"),
                    pl.col("_seen").dt.strftime("%Y-%m-%d %H:%M:%S%.6f").alias("seen"),
                )
            )
        staged = build_stage(stage, STAGE_DDL, tables)
    return PreparedEvents(frame, combos, places, staged, kind)


def _arrow(frame: pl.DataFrame) -> pa.Table:
    """``frame`` as Arrow with plain string columns (what the ADBC SQLite driver binds)."""
    table = frame.to_arrow()
    return table.cast(
        pa.schema(
            [
                pa.field(f.name, pa.large_string() if pa.types.is_string_view(f.type) else f.type)
                for f in table.schema
            ]
        )
    )


def store_events(db: Database, org_id: int, frame: pl.DataFrame) -> tuple[int, int]:
    """Store validated rows (``validate_events``) in one transaction: (stored, duplicates)."""
    with staging_directory() as directory:
        stage = directory if db.engine.dialect.name == "sqlite" else None
        return next(_store(db, org_id, [prepare_events(frame, stage)]))


def _store(
    db: Database, org_id: int, chunks: Iterable[PreparedEvents]
) -> Iterator[tuple[int, int]]:
    """Each chunk in a transaction of its own, on one connection; (stored, duplicates)."""
    known = KnownCustomers()
    with db.write_connection() as conn:
        if db.engine.dialect.name != "sqlite":
            for p in chunks:
                with db.write_transaction(conn):
                    result = store_prepared(conn, org_id, p, known)
                yield result
            return
        with attached_stage(conn) as raw:
            for p in chunks:
                if p.staged is not None:
                    load_stage(raw, p.staged)
                with db.write_transaction(conn):
                    result = store_prepared(conn, org_id, p, known)
                if p.staged is not None:
                    p.staged.discard()
                yield result


def import_events(
    db: Database,
    org_id: int,
    path: Path,
    fmt: str | None,
    mapping: dict[str, str],
    rejects: Path,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportSummary:
    """`cxm import events`: the file's events stored chunk by chunk, each chunk one
    transaction, the next chunk read and validated while the current one is written."""
    sqlite = db.engine.dialect.name == "sqlite"
    with staging_directory() as directory:

        def prepare(frame: pl.DataFrame, offset: int, out: RejectWriter) -> PreparedEvents:
            stage = directory if sqlite else None
            return prepare_events(validate_events(frame, offset, out), stage)

        def store(chunks: Iterator[PreparedEvents]) -> Iterator[tuple[int, int]]:
            return _store(db, org_id, chunks)

        return run_staged_import(
            "events", path, fmt, mapping, rejects, prepare, store, progress, chunk_rows
        )
