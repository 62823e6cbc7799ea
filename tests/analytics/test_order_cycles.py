"""Journeys by order cycle: hand-computed journeys on the fast, reference and portable paths,
and the API, CLI and journey map reaching them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics import journey_store
from cxm.analytics.backend import Analytics
from cxm.analytics.journey_kernels import load_throughput
from cxm.analytics.journeys import (
    JourneyQuery,
    directly_follows,
    journey_events,
    load_dfg,
    load_variants,
    variants,
)
from cxm.analytics.portable import portable_dfg, portable_throughput, portable_variants
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings, get_settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from cxm.web.app import create_app
from tests.analytics.test_portable import _same_edges, _same_variants
from tests.analytics.test_portable_rework import _same_throughput
from tests.factories import api_key, organization, track

ORDER = JourneyQuery(split="order")
NAMES = {"B": "Product Viewed", "P": "Order Completed", "D": "Order Delivered", "C": "Contact"}


def _world(db: Database) -> int:
    org = organization(db)
    order_events(db, org)
    return org


def order_events(db: Database, org: int) -> None:
    """Three customers' events: orders with pre-purchase events, overlapping orders, events
    after the last order, ties in time, and a customer with no order (touchpoints B, P, D,
    C; location S1)."""
    with db.writer() as conn:
        add_location(conn, org, "S1", "Store 1")
        for code, event in NAMES.items():
            tp = add_touchpoint(conn, org, code, code, "web", "purchase")
            add_rule(conn, org, tp, event_name=event)

    def e(i: int, code: str, who: str, at: str, **props: object) -> dict[str, object]:
        return track(str(i), NAMES[code], user_id=who, timestamp=f"2026-{at}:00Z", **props)

    ingest_batch(
        db,
        org,
        [
            # u1: browsing, order o1 and its delivery (a cycle); browsing, orders o2 and o4
            # whose spans overlap (one cycle: o4's contact comes after o2's delivery); later
            # events about no order.
            e(1, "B", "u1", "03-01T09:00"),
            e(2, "P", "u1", "03-01T10:00", order_id="o1", total=10),
            e(3, "D", "u1", "03-03T10:00", order_id="o1"),
            e(4, "B", "u1", "03-10T10:00"),
            e(5, "P", "u1", "03-11T10:00", order_id="o2", total=10),
            e(6, "P", "u1", "03-12T10:00", order_id="o4", total=10),
            e(7, "D", "u1", "03-13T10:00", order_id="o2"),
            e(8, "C", "u1", "03-14T10:00", order_id="o4"),
            e(9, "B", "u1", "04-20T10:00"),
            e(10, "C", "u1", "04-21T10:00"),
            # u2: the order, its delivery and a browse at one second, in arrival order: the
            # browse comes after the span's last event, so it starts the next journey.
            e(11, "B", "u2", "03-01T10:00"),
            e(12, "P", "u2", "03-01T12:00", order_id="o3", total=10, location="S1"),
            e(13, "D", "u2", "03-01T12:00", order_id="o3"),
            e(14, "B", "u2", "03-01T12:00"),
            # u3 never orders: one journey, however long the gaps (gap_days is ignored).
            e(15, "B", "u3", "03-01T10:00"),
            e(16, "C", "u3", "03-05T10:00"),
            e(17, "B", "u3", "06-01T10:00"),
        ],
    )


JOURNEYS = [
    ["B", "P", "D"],
    ["B", "P", "P", "D", "C"],
    ["B", "C"],
    ["B", "P", "D"],
    ["B"],
    ["B", "C", "B"],
]
VARIANTS = [
    (["B", "P", "D"], 2),
    (["B"], 1),
    (["B", "C"], 1),
    (["B", "C", "B"], 1),
    (["B", "P", "P", "D", "C"], 1),
]
EDGES = {
    ("B", "P"): (3, 3),
    ("P", "D"): (3, 3),
    ("B", "C"): (2, 2),
    ("P", "P"): (1, 1),
    ("D", "C"): (1, 1),
    ("C", "B"): (1, 1),
}


@pytest.fixture
def world(db: Database, tmp_path: Path) -> tuple[Analytics, int]:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    yield analytics, org
    analytics.close()


def test_reference_cut_by_hand(world: tuple[Analytics, int]) -> None:
    analytics, org = world
    with analytics.fresh() as con:
        frame = journey_events(con, org, ORDER)
        by_gap = journey_events(con, org, JourneyQuery())
    steps = frame.group_by("journey", maintain_order=True).agg("step")["step"].to_list()
    assert steps == JOURNEYS
    assert by_gap["journey"].n_unique() == 5  # by gap, u1's two orders are one journey
    assert [(v.steps, v.journeys) for v in variants(frame)] == VARIANTS
    assert {(e.source, e.target): (e.count, e.journeys) for e in directly_follows(frame)} == EDGES


def test_fast_path_by_hand_and_gap_days_is_ignored(world: tuple[Analytics, int]) -> None:
    analytics, org = world
    for q in (ORDER, JourneyQuery(gap_days=1, split="order")):
        found = load_variants(analytics, org, q)
        assert [(v.steps, v.journeys) for v in found] == VARIANTS
        assert found[0].share == pytest.approx(2 / 6)
        assert found[0].converted == 2  # both journeys placed their order
        edges = {(e.source, e.target): e for e in load_dfg(analytics, org, q)}
        assert {k: (e.count, e.journeys) for k, e in edges.items()} == EDGES
        assert edges[("P", "D")].median_hours == pytest.approx(24.0)  # 48 h, 24 h and a tie (0 h)
    spans = load_throughput(analytics, org, ORDER)
    assert (spans.journeys, spans.single_event) == (6, 1)
    # Hours per journey: 49, 96, 24 (u1); 2, 0 (u2); 2,208 (u3): the median is (24 + 49) / 2.
    assert spans.median_hours == pytest.approx(36.5)
    assert spans.mean_hours == pytest.approx((49 + 96 + 24 + 2 + 0 + 2208) / 6)
    assert {f.first: f.journeys for f in spans.by_first} == {"B": 6}


def test_filters_keep_working_by_order_cycle(world: tuple[Analytics, int]) -> None:
    analytics, org = world
    at_store = load_variants(analytics, org, JourneyQuery(store="S1", split="order"))
    assert [(v.steps, v.journeys) for v in at_store] == [(["B", "P", "D"], 1)]
    later = load_variants(analytics, org, JourneyQuery(since=_day("2026-03-05"), split="order"))
    # From March 5: u1's second cycle and later events, u3's last two events.
    assert sorted(v.steps for v in later) == [["B", "C"], ["B", "P", "P", "D", "C"], ["C", "B"]]
    assert load_dfg(analytics, org, JourneyQuery(first="P", split="order")) == []
    with pytest.raises(ValidationError):
        load_dfg(analytics, org, JourneyQuery(split="week"))


def _day(text: str) -> object:
    from datetime import date

    return date.fromisoformat(text)


def test_portable_path_equals_the_fast_path_by_hand(world: tuple[Analytics, int]) -> None:
    analytics, org = world
    later = JourneyQuery(split="order", since=_day("2026-03-05"))
    for q in (ORDER, JourneyQuery(store="S1", split="order"), later):
        fast_edges, fast_variants = load_dfg(analytics, org, q), load_variants(analytics, org, q)
        fast_spans = load_throughput(analytics, org, q)
        with analytics.fresh() as con:
            _same_edges(portable_dfg(con, org, q), fast_edges)
            _same_variants(portable_variants(con, org, q), fast_variants, outcomes=True)
            _same_throughput(portable_throughput(con, org, q), fast_spans)


def test_api_and_cli_take_the_split(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/analytics/variants?split=order", headers=headers).json()
        assert [(v["steps"], v["journeys"]) for v in body["variants"]] == VARIANTS
        body = client.get("/api/v1/analytics/throughput?split=order", headers=headers).json()
        assert body["journeys"] == 6
        body = client.get("/api/v1/analytics/rework?split=order", headers=headers).json()
        assert [(r["touchpoint"], r["revisits"]) for r in body["revisits"]] == [("B", 1)]
        bad = client.get("/api/v1/analytics/dfg?split=week", headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "split"
    monkeypatch.setenv("CXM_DATABASE_URL", sqlite_db.engine.url.render_as_string(False))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    done = CliRunner().invoke(
        main, ["journeys", "variants", "--org", "acme", "--split", "order", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert [(v["steps"], v["journeys"]) for v in json.loads(done.output)] == VARIANTS
    done = CliRunner().invoke(main, ["journeys", "dfg", "--org", "acme", "--split", "order"])
    assert done.exit_code == 0 and "B -> P " in done.output
    assert "D -> B " not in done.output  # by gap, the browse after a delivery follows it
    done = CliRunner().invoke(
        main, ["journeys", "rework", "--org", "acme", "--split", "order", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert [r["touchpoint"] for r in json.loads(done.output)["revisits"]] == ["B"]
    bad = CliRunner().invoke(main, ["journeys", "throughput", "--org", "acme", "--split", "x"])
    assert bad.exit_code == 2


def test_new_events_join_their_order_cycle_from_the_store_delta(
    db: Database, world: tuple[Analytics, int]
) -> None:
    analytics, org = world
    assert [v.journeys for v in load_variants(analytics, org, ORDER)][0] == 2  # store built
    meta = journey_store.store_dir(analytics) / f"org-{org}.json"
    built = json.loads(meta.read_text())
    assert built["columns"][-1] == "order_id"
    # A contact about u2's order o3 weeks later: o3's span now takes in the browse after it.
    contact = track("18", "Contact", user_id="u2", timestamp="2026-03-20T10:00:00Z", order_id="o3")
    ingest_batch(db, org, [contact])
    found = load_variants(analytics, org, ORDER)
    assert json.loads(meta.read_text()) == built  # the delta, spliced in; not rebuilt
    assert (["B", "P", "D", "B", "C"], 1) in [(v.steps, v.journeys) for v in found]
    with analytics.fresh() as con:
        frame = journey_events(con, org, ORDER)
    _same_variants(found, variants(frame))
    _same_edges(load_dfg(analytics, org, ORDER), directly_follows(frame))
    # A file written before the store kept order ids is rebuilt before it is used.
    meta.write_text(json.dumps({k: v for k, v in built.items() if k != "columns"}))
    _same_variants(load_variants(analytics, org, ORDER), found, outcomes=True)
    assert json.loads(meta.read_text())["columns"] == built["columns"]


def test_rework_revisits_follow_the_split_on_both_paths(world: tuple[Analytics, int]) -> None:
    """By order cycle only u3's second browse revisits a touchpoint (B, C, B); by a 30-day
    gap u1's first month is one journey (B P D B P P D C: B, P and D revisited) and u2's
    browse after its delivery revisits B."""
    from cxm.analytics.portable_rework import portable_rework
    from cxm.analytics.rework import ReworkQuery, rework

    analytics, org = world
    expected = {
        "order": {"B": (1, 1, 1)},
        "gap": {"B": (2, 2, 2), "P": (1, 1, 1), "D": (1, 1, 1)},
    }
    for split, revisits in expected.items():
        q = ReworkQuery(split=split)
        fast = rework(analytics, org, q)
        with analytics.fresh() as con:
            portable = portable_rework(con, org, q)
        for found in (fast, portable):
            got = {r.touchpoint: (r.revisits, r.journeys, r.customers) for r in found.revisits}
            assert got == revisits, split
            assert found.journeys == (6 if split == "order" else 5)
    with pytest.raises(ValidationError) as refused:
        rework(analytics, org, ReworkQuery(split="week"))
    assert [f.field for f in refused.value.faults] == ["split"]
