"""Importing orders and customers from files, through the same validation as the API."""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from cxm.core.changes import change_mark
from cxm.core.db import Database
from cxm.core.validation import faults_from
from cxm.ingest.identity import Claim, normalise, resolve
from cxm.ingest.imports import IDENTITY_COLUMNS, RejectWriter, require
from cxm.ingest.orders import ingest_orders
from cxm.ingest.schemas import CustomerRef

ORDER_FIELDS = (
    "order_id",
    "channel",
    "location",
    "amount",
    "currency",
    "placed_at",
    "promised_delivery_date",
    "status",
)
_customer = TypeAdapter(CustomerRef)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.strip() if isinstance(v, str) else v)
        for k, v in row.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }


def store_orders(
    db: Database, org_id: int, frame: pl.DataFrame, offset: int, out: RejectWriter
) -> tuple[int, int]:
    require(frame.columns, ("order_id", "channel", "amount", "placed_at"), IDENTITY_COLUMNS)
    items: list[object] = []
    for row in frame.iter_rows(named=True):
        clean = _clean(row)
        customer = {k: str(clean[k]) for k in (*IDENTITY_COLUMNS, "name", "language") if k in clean}
        items.append({**{k: clean[k] for k in ORDER_FIELDS if k in clean}, "customer": customer})
    result = ingest_orders(db, org_id, items)
    rows = frame.rows(named=True)
    for fault in result.rejected:
        index = int(fault.get("index", 0))
        out.add(
            offset + index + 1, str(fault.get("field") or ""), str(fault["reason"]), rows[index]
        )
    return result.accepted, result.duplicates


def store_customers(
    db: Database, org_id: int, frame: pl.DataFrame, offset: int, out: RejectWriter
) -> tuple[int, int]:
    require(frame.columns, (), IDENTITY_COLUMNS)
    claims: list[Claim] = []
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    for i, row in enumerate(frame.iter_rows(named=True)):
        clean = {k: str(v) for k, v in _clean(row).items()}
        try:
            ref = _customer.validate_python(
                {k: clean[k] for k in (*IDENTITY_COLUMNS, "name", "language") if k in clean}
            )
        except PydanticError as exc:
            for fault in faults_from(exc, i):
                out.add(offset + i + 1, fault.field, fault.reason, row)
            continue
        keys = ref.keys()
        if not keys:
            out.add(offset + i + 1, "user_id", "no identity on the row", row)
            continue
        claims.append(
            Claim([(k, normalise(k, v)) for k, v in keys], now, keys[0], ref.name, ref.language)
        )
    if not claims:
        return 0, 0
    with db.writer() as conn:
        result = resolve(conn, org_id, claims, change_mark(conn))
    return result.created, len(claims) - result.created
