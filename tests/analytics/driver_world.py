"""A hand-made world for driver analyses: answered web orders, each with some of k yes/no
touchpoints, whose NPS answers depend on the first two by a known rule."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Order
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.surveys.models import Answer, Response
from tests.factories import _survey, organization, track

STAGES = ("delivery", "after_sales", "use", "purchase")


def driver_world(
    db: Database,
    drivers: int = 11,
    orders: int = 240,
    seed: int = 5,
    org: int | None = None,
    more: str = "",
) -> int:
    """``orders`` answered web orders with a delivery promise; order i passes touchpoint
    ``t<k>`` (stage STAGES[k % 4]) with probability 0.4, independently. Its answer is 0 (a
    detractor) when it passed t0, else 10 (a promoter) when it did not pass t1, else 8.
    ``more``: add orders (named with this prefix) to a world built before."""
    org = organization(db) if org is None else org
    with db.writer() as conn:
        for k in range(0 if more else drivers):
            tp = add_touchpoint(conn, org, f"t{k}", f"t{k}", "web", STAGES[k % 4])
            add_rule(conn, org, tp, event_name=f"T{k}")
        if not more:
            add_rule(conn, org, add_touchpoint(conn, org, "order", "order", "web", "purchase"),
                     event_name="Order Completed")  # fmt: skip
    had = np.random.default_rng(seed).random((orders, drivers)) < 0.4
    messages = []
    for i in range(orders):
        day = f"2026-03-{1 + i % 28:02d}"
        messages.append(
            track(
                f"{more}o{i}",
                "Order Completed",
                user_id=f"{more}u{i}",
                timestamp=f"{day}T10:00:00Z",
                order_id=f"{more}W{i}",
                total=10,
                promised_delivery_date="2026-04-01",
                channel="web",
            )  # fmt: skip
        )
        messages.extend(
            track(
                f"{more}e{i}-{k}",
                f"T{k}",
                user_id=f"{more}u{i}",
                timestamp=f"{day}T11:{k:02d}:00Z",
                order_id=f"{more}W{i}",
            )  # fmt: skip
            for k in range(drivers)
            if had[i, k]
        )
    ingest_batch(db, org, messages)
    scores = [0 if had[i, 0] else (8 if had[i, 1] else 10) for i in range(orders)]
    with db.writer() as conn:
        ids = dict(conn.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "post", mark)
        when = datetime(2026, 4, 5, tzinfo=UTC)
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "order_id": ids[f"{more}W{i}"], "status": "complete", "started_at": when,
              "completed_at": when, "sync_mark": mark} for i in range(orders)],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "nps", "kind": "nps",
              "value": float(v), "text": None, "sync_mark": mark}
             for rid, v in zip(rids, scores, strict=True)],
        )  # fmt: skip
    return org


def ratings(db: Database, org: int, code: str, values: list[int]) -> None:
    """CSAT answers (1-5) given at touchpoint ``code``, one response each."""
    from cxm.ingest.models import Touchpoint

    with db.writer() as conn:
        tp = conn.execute(
            select(table(Touchpoint).c.id).where(table(Touchpoint).c.code == code)
        ).scalar_one()
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "csat", mark)
        when = datetime(2026, 4, 6, tzinfo=UTC)
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "touchpoint_id": tp, "status": "complete", "started_at": when,
              "completed_at": when, "sync_mark": mark} for _ in values],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "csat", "kind": "csat",
              "value": float(v), "text": None, "sync_mark": mark}
             for rid, v in zip(rids, values, strict=True)],
        )  # fmt: skip
