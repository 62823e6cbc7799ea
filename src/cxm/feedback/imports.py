"""`cxm import feedback`: rows of a file through the same validation as the API."""

from __future__ import annotations

from typing import Any

import polars as pl

from cxm.core.db import Database
from cxm.feedback.service import ingest_feedback
from cxm.ingest.imports import IDENTITY_COLUMNS, RejectWriter, require

FIELDS = (
    "id",
    "kind",
    "text",
    "occurred_at",
    "channel",
    "touchpoint",
    "location",
    "order_id",
    "category",
    "language",
    "rating",
)
CHUNK = 2_000


def store_feedback(
    db: Database, org_id: int, frame: pl.DataFrame, offset: int, out: RejectWriter
) -> tuple[int, int]:
    require(frame.columns, ("kind", "text", "occurred_at"), ())
    rows = frame.rows(named=True)
    stored = dupes = 0
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        items: list[object] = []
        for row in part:
            clean = {
                k: (str(v).strip() if k != "text" else str(v))
                for k, v in row.items()
                if v is not None and str(v).strip() != ""
            }
            item: dict[str, Any] = {k: clean[k] for k in FIELDS if k in clean}
            customer = {k: clean[k] for k in IDENTITY_COLUMNS if k in clean}
            if customer:
                item["customer"] = customer
            items.append(item)
        result = ingest_feedback(db, org_id, items)
        for fault in result.rejected:
            index = int(fault.get("index", 0))
            out.add(
                offset + start + index + 1,
                str(fault.get("field") or ""),
                str(fault["reason"]),
                part[index],
            )
        stored += result.accepted
        dupes += result.duplicates
    return stored, dupes
