"""Portable rework and throughput time agree with the fast path: by hand, on the demo world
(where the contact-centre loop shows as rework) through DuckDB, and on PySpark local mode."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.journey_kernels import Throughput, load_throughput
from cxm.analytics.journeys import JourneyQuery
from cxm.analytics.portable import portable_throughput
from cxm.analytics.portable_rework import portable_rework
from cxm.analytics.rework import Rework, ReworkQuery, rework
from cxm.analytics.spark import export_parquet
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.demo.truths import CONTACT_LOOP
from tests.analytics.engines import need_spark, spark_cli
from tests.analytics.test_journeys import _world
from tests.worlds import World

THROUGHPUT_QUERIES = (
    JourneyQuery(),
    JourneyQuery(gap_days=7, store="KYIV-2", since=date(2026, 1, 1)),
    JourneyQuery(segment="loyalty", channel="contact_centre"),
    JourneyQuery(split="order"),
    JourneyQuery(split="order", first="web_product", outcome="detractor"),
)
REWORK_QUERIES = (
    ReworkQuery(),
    ReworkQuery(store="KYIV-2", loop_contacts=2, gap_days=7),
    ReworkQuery(store="KYIV-2", split="order"),
)


def _same_throughput(a: Throughput, b: Throughput) -> None:
    assert (a.journeys, a.single_event) == (b.journeys, b.single_event)
    for x, y in ((a.mean_hours, b.mean_hours), (a.median_hours, b.median_hours),
                 (a.p90_hours, b.p90_hours)):  # fmt: skip
        assert x == pytest.approx(y, rel=1e-9, abs=1e-12)
    assert [(f.first, f.journeys) for f in a.by_first] == [
        (f.first, f.journeys) for f in b.by_first
    ]
    for f, g in zip(a.by_first, b.by_first, strict=True):
        assert f.median_hours == pytest.approx(g.median_hours, rel=1e-9, abs=1e-12)
        assert f.p90_hours == pytest.approx(g.p90_hours, rel=1e-9, abs=1e-12)


def _same_rework(a: Rework, b: Rework) -> None:
    assert a.journeys == b.journeys and a.revisits == b.revisits
    assert [(s.first, s.last, s.journeys, s.customers) for s in a.switches] == [
        (s.first, s.last, s.journeys, s.customers) for s in b.switches
    ]
    for s, t in zip(a.switches, b.switches, strict=True):
        assert s.share == pytest.approx(t.share, rel=1e-12)
    x, y = asdict(a.loops), asdict(b.loops)
    for key in x:
        if isinstance(x[key], float):
            assert x[key] == pytest.approx(y[key], rel=1e-9, abs=1e-12), key
        else:
            assert x[key] == y[key], key


def test_throughput_by_hand_on_both_paths(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        fast = load_throughput(analytics, org, JourneyQuery())
        with analytics.fresh() as con:
            portable = portable_throughput(con, org, JourneyQuery())
            none = portable_throughput(con, org, JourneyQuery(store="NOWHERE"))
    finally:
        analytics.close()
    # Journeys: u1 A..C in 2 h, u1's second A alone (0 h), u2 A..B in 4 h.
    assert (fast.journeys, fast.single_event) == (3, 1)
    assert fast.median_hours == pytest.approx(2.0) and fast.mean_hours == pytest.approx(2.0)
    assert fast.p90_hours == pytest.approx(3.6)
    assert [(f.first, f.journeys) for f in fast.by_first] == [("A", 3)]
    _same_throughput(portable, fast)
    assert none == Throughput(0, 0, None, None, None)


def test_portable_rework_and_throughput_equal_the_fast_path_on_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        for q in THROUGHPUT_QUERIES:
            fast = load_throughput(analytics, org, q)
            with analytics.fresh() as con:
                _same_throughput(portable_throughput(con, org, q), fast)
            assert fast.journeys > 0
        for rq in REWORK_QUERIES:
            fast_rework = rework(analytics, org, rq)
            with analytics.fresh() as con:
                _same_rework(portable_rework(con, org, rq), fast_rework)
        loops = portable_rework_default(analytics, org)
    finally:
        analytics.close()
    # The planted contact-centre loop shows as rework on the portable path too: loop orders
    # score far below the others, mostly detractors.
    assert loops.orders > 0 and loops.nps is not None and loops.other_nps is not None
    assert loops.nps < loops.other_nps + CONTACT_LOOP.nps_effect_adjusted + 15
    assert loops.nps_high is not None and loops.nps_high < loops.other_nps
    assert loops.detractor_share is not None and loops.detractor_share > 0.5
    assert loops.difference_p_value is not None and loops.difference_p_value < 0.001


def portable_rework_default(analytics: Analytics, org: int) -> Any:
    with analytics.fresh() as con:
        return portable_rework(con, org, ReworkQuery()).loops


@pytest.mark.spark
def test_pyspark_rework_and_throughput_equal_the_fast_path(
    small_world: World, tmp_path: Path
) -> None:
    need_spark()
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path / "duck"))
    try:
        export_parquet(analytics, tmp_path / "parquet")
        fast_throughput = load_throughput(analytics, org, THROUGHPUT_QUERIES[1])
        fast_rework = rework(analytics, org, REWORK_QUERIES[1])
        by_cycle = rework(analytics, org, REWORK_QUERIES[2])
    finally:
        analytics.close()
    options = ["--org-id", str(org), "--gap-days", "7", "--store", "KYIV-2", "--master", "local[2]"]
    journeys = _spark_cli(tmp_path / "parquet", "journeys", [*options, "--since", "2026-01-01"])
    found = journeys["throughput"]
    found["by_first"] = [_first(f) for f in found["by_first"]]
    _same_throughput(Throughput(**found), fast_throughput)
    body = _spark_cli(tmp_path / "parquet", "rework", [*options, "--loop-contacts", "2"])
    _same_rework(_rework(body), fast_rework)
    cycles = ["--org-id", str(org), "--store", "KYIV-2", "--split", "order", "--master", "local[2]"]
    _same_rework(_rework(_spark_cli(tmp_path / "parquet", "rework", cycles)), by_cycle)


def _first(row: dict[str, Any]) -> Any:
    from cxm.analytics.journey_kernels import FirstThroughput

    return FirstThroughput(**row)


def _rework(body: dict[str, Any]) -> Rework:
    from cxm.analytics.rework import ChannelSwitch, ContactLoops, Revisit

    loops = body["loops"]
    loops["by_contacts"] = {int(k): v for k, v in loops["by_contacts"].items()}
    return Rework(
        body["journeys"],
        ContactLoops(**loops),
        [Revisit(**r) for r in body["revisits"]],
        [ChannelSwitch(**s) for s in body["switches"]],
        body["message"],
    )


def _spark_cli(directory: Path, what: str, options: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = spark_cli(directory, options, what)
    return result


def test_throughput_api_and_cli(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from cxm.cli import main
    from cxm.core.settings import get_settings
    from cxm.web.app import create_app
    from tests.factories import api_key

    org = _world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/analytics/throughput", headers=headers).json()
        assert (body["journeys"], body["single_event"]) == (3, 1)
        assert body["median_hours"] == pytest.approx(2.0) and body["message"] is None
        none = client.get(
            "/api/v1/analytics/throughput", params={"first": "C"}, headers=headers
        ).json()
        assert none["journeys"] == 0 and none["message"] == "No journeys match these filters."
    monkeypatch.setenv("CXM_DATABASE_URL", sqlite_db.engine.url.render_as_string(False))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    done = CliRunner().invoke(main, ["journeys", "throughput", "--org", "acme", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["p90_hours"] == pytest.approx(3.6)
