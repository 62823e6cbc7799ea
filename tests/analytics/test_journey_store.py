"""The journey store: a sorted copy plus a delta, rebuilt when anything but new events changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxm.analytics import journey_store
from cxm.analytics.backend import Analytics
from cxm.analytics.journeys import (
    JourneyQuery,
    directly_follows,
    journey_events,
    load_dfg,
    load_variants,
    variants,
)
from cxm.core.db import Database
from cxm.core.jobs import queue_counts, run_ready
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from tests.analytics.test_journeys import _world
from tests.factories import track


def _meta(analytics: Analytics, org: int) -> dict[str, object]:
    path = journey_store.store_dir(analytics) / f"org-{org}.json"
    loaded: dict[str, object] = json.loads(path.read_text())
    return loaded


def _agrees(analytics: Analytics, org: int, q: JourneyQuery) -> None:
    with analytics.fresh() as con:
        frame = journey_events(con, org, q)
    assert load_dfg(analytics, org, q) == directly_follows(frame)
    paths = [(v.steps, v.journeys, v.share, v.median_days) for v in variants(frame)]
    assert [
        (v.steps, v.journeys, v.share, v.median_days) for v in load_variants(analytics, org, q)
    ] == paths


def test_new_events_are_a_delta_spliced_in_by_person(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        _agrees(analytics, org, JourneyQuery())
        built = _meta(analytics, org)
        # u2's new event comes between events of theirs already in the file (by time).
        ingest_batch(
            db,
            org,
            [
                track("8", "C", user_id="u2", timestamp="2026-03-02T10:00:00Z"),
                track("9", "A", user_id="u9", timestamp="2026-03-05T10:00:00Z"),
            ],
        )
        _agrees(analytics, org, JourneyQuery())
        assert _meta(analytics, org) == built  # not rebuilt: the delta was enough
        edges = {(e.source, e.target): e.count for e in load_dfg(analytics, org, JourneyQuery())}
        assert edges[("A", "C")] == 1 and edges[("C", "B")] == 1
    finally:
        analytics.close()


def test_a_merge_changes_the_signature_and_rebuilds(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    ingest_batch(
        db,
        org,
        [track("an", "C", user_id=None, anonymous_id="anon", timestamp="2026-03-01T11:00:00Z")],
    )
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        _agrees(analytics, org, JourneyQuery())
        before = _meta(analytics, org)
        ingest_batch(
            db,
            org,
            [{"type": "alias", "messageId": "m", "userId": "u1", "previousId": "anon",
              "timestamp": "2026-03-03T00:00:00Z"}],
        )  # fmt: skip
        _agrees(analytics, org, JourneyQuery())
        assert _meta(analytics, org)["signature"] != before["signature"]
        edges = {(e.source, e.target) for e in load_dfg(analytics, org, JourneyQuery())}
        assert ("A", "C") in edges  # the anonymous C now follows u1's A at 10:00
    finally:
        analytics.close()


def test_a_large_delta_queues_a_merge_job_that_rewrites_the_store(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _world(sqlite_db)
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        load_dfg(analytics, org, JourneyQuery())
        first = _meta(analytics, org)
        monkeypatch.setattr(journey_store, "DELTA_LIMIT", 0)
        ingest_batch(sqlite_db, org, [track("10", "B", user_id="u3")])
        expected = load_dfg(analytics, org, JourneyQuery())
        assert queue_counts(sqlite_db)["queued"] == 1
    finally:
        analytics.close()
    assert run_ready(sqlite_db) == 1 and queue_counts(sqlite_db)["done"] == 1
    analytics = Analytics(sqlite_db, Settings(data_dir=tmp_path))
    try:
        merged = _meta(analytics, org)
        assert int(str(merged["max_id"])) > int(str(first["max_id"]))
        assert int(str(merged["rows"])) == int(str(first["rows"])) + 1
        assert load_dfg(analytics, org, JourneyQuery()) == expected
    finally:
        analytics.close()
