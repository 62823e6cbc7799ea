"""cxm's journeys equal pm4py's on an XES log with tied timestamps.

``bench/pm4py_expected.py`` wrote ``tests/data/journeys.xes`` and pm4py's directly-follows
counts and variants for it (``journeys_pm4py.json``); this test needs no pm4py. Each trace
spans three weeks, so at cxm's 30-day gap a trace is one journey.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from cxm.analytics.backend import Analytics
from cxm.analytics.journeys import (
    JourneyQuery,
    directly_follows,
    journey_events,
    load_dfg,
    load_variants,
    variants,
)
from cxm.analytics.portable import portable_dfg, portable_variants
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.ingest.event_import import store_events, validate_events
from cxm.ingest.imports import run_import
from cxm.ingest.sources import iter_xes
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import organization

DATA = Path(__file__).resolve().parent.parent / "data"
EXPECTED = json.loads((DATA / "journeys_pm4py.json").read_text(encoding="utf-8"))


def _store_log(db: Database, tmp_path: Path) -> int:
    org = organization(db)
    activities = sorted({row["event"] for row in iter_xes(DATA / "journeys.xes")})
    with db.writer() as conn:
        for name in activities:
            tp = add_touchpoint(conn, org, name, name, "web", "purchase")
            add_rule(conn, org, tp, event_name=name)
    summary = run_import(
        "events",
        DATA / "journeys.xes",
        None,
        {},
        tmp_path / "rejects.csv",
        lambda frame, offset, out: store_events(db, org, validate_events(frame, offset, out)),
    )
    assert summary.stored == EXPECTED["events"] and summary.rejected == 0
    return org


def test_directly_follows_and_variants_equal_pm4py(sqlite_db: Database, tmp_path: Path) -> None:
    org = _store_log(sqlite_db, tmp_path)
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    q = JourneyQuery()
    try:
        with analytics.fresh() as con:
            frame = journey_events(con, org, q)
            fast_edges, fast_variants = directly_follows(frame), variants(frame, top=10_000)
            portable_edges = portable_dfg(con, org, q)
            portable_found = portable_variants(con, org, q, top=10_000)
        store_edges = load_dfg(analytics, org, q)
        store_found = load_variants(analytics, org, q, top=10_000)
    finally:
        analytics.close()
    assert frame["journey"].n_unique() == EXPECTED["traces"]
    expected_dfg = {(a, b): n for a, b, n in EXPECTED["dfg"]}
    expected_variants = Counter({tuple(steps): n for steps, n in EXPECTED["variants"]})
    for edges in (fast_edges, portable_edges, store_edges):
        assert {(e.source, e.target): e.count for e in edges} == expected_dfg
    for found in (fast_variants, portable_found, store_found):
        assert Counter({tuple(v.steps): v.journeys for v in found}) == expected_variants
