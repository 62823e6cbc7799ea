"""Driver importance: exact LMG up to ten drivers, Johnson's relative weights beyond (named
in every output), their agreement on the demo world, and drivers the controls determine."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import DriverQuery, DriverResult, analyse
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.analytics.driver_world import driver_world
from tests.factories import api_key
from tests.worlds import World

ELEVEN = tuple(f"t{k}" for k in range(11))


def _run(db: Database, tmp_path: Path, org: int, q: DriverQuery) -> DriverResult:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return analyse(con, org, q)
    finally:
        analytics.close()


def test_eleven_drivers_are_weighed_by_johnson(db: Database, tmp_path: Path) -> None:
    org = driver_world(db)
    found = _run(db, tmp_path, org, DriverQuery(drivers=ELEVEN, bootstrap=0, controls=False))
    assert found.message is None and found.importance_method == "johnson"
    by_name = {d.name: d for d in found.drivers}
    # t0 makes a detractor of a promoter or passive: by far the largest share; t1 next.
    ranked = sorted(by_name.values(), key=lambda d: -(d.importance or 0))
    assert [d.name for d in ranked[:2]] == ["t0", "t1"]
    assert sum(d.importance or 0 for d in found.drivers) == pytest.approx(1.0)
    assert by_name["t0"].significant and by_name["t1"].significant
    assert not by_name["t5"].significant and by_name["t5"].note == "not significant at 5%"
    ten = _run(db, tmp_path, org, DriverQuery(drivers=ELEVEN[:10], bootstrap=0, controls=False))
    assert ten.importance_method == "lmg"


def test_the_api_names_the_method_and_refuses_lmg_for_many(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org = driver_world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        params: dict[str, object] = {"driver": list(ELEVEN), "bootstrap": 0}
        body = client.get("/api/v1/analytics/drivers", params=params, headers=headers).json()
        assert body["importance_method"] == "johnson"
        bad = client.get(
            "/api/v1/analytics/drivers", params={**params, "importance": "lmg"}, headers=headers
        )
        assert bad.status_code == 422 and "importance" in bad.text


def test_johnson_agrees_with_lmg_on_the_demo_world(small_world: World, tmp_path: Path) -> None:
    names = ("late", "contact_loop", "returned", "delay_notice", "complaint", "cc_order")
    org = small_world.summary.organization_id
    exact = _run(small_world.db, tmp_path, org, DriverQuery(names, bootstrap=0))
    weights = _run(
        small_world.db, tmp_path, org, DriverQuery(names, bootstrap=0, importance="johnson")
    )
    assert (exact.importance_method, weights.importance_method) == ("lmg", "johnson")
    lmg_share = {d.name: d.importance for d in exact.drivers}
    for d in weights.drivers:
        assert d.importance == pytest.approx(lmg_share[d.name], abs=0.02)
    assert max(weights.drivers, key=lambda d: d.importance or 0).name == "late"


def test_a_driver_the_controls_determine_is_named(small_world: World, tmp_path: Path) -> None:
    org = small_world.summary.organization_id
    q = DriverQuery(("late", "web_order", "app_order"), bootstrap=0)
    found = _run(small_world.db, tmp_path, org, q)
    assert found.drivers == [] and found.message is not None
    assert "web_order" in found.message and "controls" in found.message


def test_late_alone_gives_its_total_effect(small_world: World, tmp_path: Path) -> None:
    # Without the contact loop (the mediator) in the model, the adjusted effect of late
    # delivery is its total effect: controls for city, segment and channel only.
    from cxm.demo.truths import LATE_DELIVERY

    org = small_world.summary.organization_id
    found = _run(small_world.db, tmp_path, org, DriverQuery(("late",), bootstrap=0))
    [late] = found.drivers
    assert late.adjusted_effect == pytest.approx(LATE_DELIVERY.nps_effect_total, abs=8.0)
    assert late.adjusted_high is not None and late.adjusted_high < 0
    assert late.raw_effect is not None and late.raw_effect < late.adjusted_effect  # confounded
