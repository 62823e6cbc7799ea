"""Touchpoint ratings as drivers of NPS: a hand-computed case (a low CSAT answer at a
touchpoint, orders without one left out), the refusals, the API and the CLI, and the demo
world's store-purchase ratings, which share the customer's latent experience with NPS."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import DriverQuery, DriverResult, analyse
from cxm.analytics.portable_orders import PORTABLE
from cxm.analytics.quadrants import QuadrantQuery
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings, get_settings
from cxm.ingest.models import Order, Touchpoint
from cxm.surveys.models import Answer, Response
from cxm.web.app import create_app
from tests.analytics.engines import same_figures
from tests.analytics.test_drivers import _world
from tests.factories import _survey, api_key
from tests.worlds import World

LATER = datetime(2026, 4, 6, tzinfo=UTC)
EARLIER = datetime(2026, 4, 2, tzinfo=UTC)


def _ratings(
    db: Database, org: int, code: str, rated: dict[int, int], when: datetime = LATER,
    status: str = "complete",
) -> None:  # fmt: skip
    """CSAT answers (order index: value) about orders W<i> at touchpoint ``code``."""
    with db.writer() as conn:
        orders = dict(conn.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
        tp = conn.execute(
            select(table(Touchpoint).c.id).where(table(Touchpoint).c.code == code)
        ).scalar_one()
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "csat", mark)
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "order_id": orders[f"W{i}"], "touchpoint_id": tp, "status": status,
              "started_at": when, "completed_at": when, "sync_mark": mark} for i in rated],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "csat", "kind": "csat",
              "value": float(v), "text": None, "sync_mark": mark}
             for rid, v in zip(rids, rated.values(), strict=True)],
        )  # fmt: skip


def _rated_world(db: Database) -> int:
    """``test_drivers._world`` (W0-W59 delayed: odd detractors, even passives; W60-W149 on
    time: odd promoters, even passives) with CSAT answers at ``order``: low (2) for W0-W39 and
    W60-W69, top-2-box (5) for W70-W139; W40-W59 and W140-W149 have none. W0 also rated 5
    earlier (the latest answer counts), W140 rated 1 in an unfinished response and W141 rated
    1 at another touchpoint (neither counts). ``delayed`` is rated (3) for W0-W29 only."""
    org = _world(db)
    _ratings(db, org, "order", dict.fromkeys((*range(40), *range(60, 70)), 2))
    _ratings(db, org, "order", dict.fromkeys(range(70, 140), 5))
    _ratings(db, org, "order", {0: 5}, when=EARLIER)
    _ratings(db, org, "order", {140: 1}, status="partial")
    _ratings(db, org, "delayed", {141: 1, **dict.fromkeys(range(30), 3)})
    return org


def _both(db: Database, tmp_path: Path, org: int, q: DriverQuery) -> DriverResult:
    """The embedded analysis, checked against the portable one on DuckDB."""
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            found = analyse(con, org, q)
            same_figures(asdict(analyse(con, org, q, PORTABLE)), asdict(found), "drivers")
            return found
    finally:
        analytics.close()


def test_a_low_rating_by_hand_and_orders_without_one_left_out(db: Database, tmp_path: Path) -> None:
    org = _rated_world(db)
    found = _both(db, tmp_path, org, DriverQuery(drivers=("rating:order",), bootstrap=0))
    # Rated orders only: W0-W39 (20 x -100, 20 x 0), W60-W69 (5 x 0, 5 x +100), both low:
    # -1500 / 50; W70-W139 (35 x +100, 35 x 0), top-2-box: +3500 / 70.
    assert found.respondents == 120 and found.message is None
    assert found.nps == pytest.approx(2000 / 120)
    [d] = found.drivers
    assert d.name == "rating:order" and d.respondents_with == 50
    assert d.raw_effect == pytest.approx(-1500 / 50 - 3500 / 70)
    assert d.adjusted_effect == pytest.approx(d.raw_effect)  # no controls vary
    assert found.note is not None and "120 of 150 respondents" in found.note
    # With the delay: among the rated orders every delayed one was rated low.
    both = _both(db, tmp_path, org, DriverQuery(drivers=("delayed", "rating:order"), bootstrap=0))
    by = {x.name: x for x in both.drivers}
    assert both.respondents == 120 and by["delayed"].respondents_with == 40
    # Only 30 orders have both ratings: too few, and the note says why.
    few = _both(
        db, tmp_path, org, DriverQuery(drivers=("rating:order", "rating:delayed"), bootstrap=0)
    )
    assert few.message is not None and few.message.startswith("Too few respondents (30;")
    assert few.note is not None and "30 of 150 respondents" in few.note


def test_rating_drivers_refuse_unknown_or_unrated_touchpoints_naming_drivers(
    db: Database, tmp_path: Path
) -> None:
    org = _rated_world(db)
    with pytest.raises(ValidationError) as empty:
        DriverQuery(drivers=("late", "rating:")).check()
    assert [f.field for f in empty.value.faults] == ["drivers"]
    assert "rating:CODE" in str(empty.value)
    for bad, why in (("rating:teleport", "no touchpoint 'teleport'"),
                     ("rating:copy", "no CSAT answers about orders")):  # fmt: skip
        for source in ("embedded", "portable"):
            q = DriverQuery(drivers=("delayed", bad), bootstrap=0)
            analytics = Analytics(db, Settings(data_dir=tmp_path))
            try:
                with analytics.fresh() as con, pytest.raises(ValidationError) as refused:
                    analyse(con, org, q, PORTABLE) if source == "portable" else analyse(con, org, q)
            finally:
                analytics.close()
            assert [f.field for f in refused.value.faults] == ["drivers"]
            assert why in str(refused.value) and bad in str(refused.value)
    with pytest.raises(ValidationError) as drawn:
        QuadrantQuery(drivers=("late", "rating:store_purchase")).check()
    assert [f.field for f in drawn.value.faults] == ["drivers"]
    assert "not drawn in quadrants" in str(drawn.value)


def test_rating_drivers_on_the_api_and_the_cli(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _rated_world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        ok = client.get(
            "/api/v1/analytics/drivers",
            params={"driver": ["rating:order"], "bootstrap": 0},
            headers=headers,
        )
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["respondents"] == 120 and "120 of 150" in body["note"]
        assert body["drivers"][0]["raw_effect"] == pytest.approx(-80.0)
        refused = client.get("/api/v1/analytics/drivers", headers=headers,
                             params={"driver": "rating:teleport"})  # fmt: skip
        assert refused.status_code == 422 and "drivers" in refused.text
    monkeypatch.setenv("CXM_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        args = ["drivers", "--org", "acme", "--driver", "rating:order", "--bootstrap", "0"]
        as_json = CliRunner().invoke(main, [*args, "--json"])
        as_table = CliRunner().invoke(main, args)
    finally:
        get_settings.cache_clear()
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output)["drivers"][0]["respondents_with"] == 50
    assert as_table.exit_code == 0 and "120 of 150 respondents" in as_table.output
    spark = CliRunner().invoke(
        main, ["analytics", "spark", "drivers", str(tmp_path), "--org-id", "1",
               "--driver", "rating:"],
    )  # fmt: skip
    # A driver naming no touchpoint is refused before Spark starts (no export is read).
    assert spark.exit_code == 2 and "rating:CODE" in spark.output


def test_a_low_store_purchase_rating_costs_nps_in_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    q = DriverQuery(drivers=("rating:store_purchase",), bootstrap=0, delivered_only=False)
    try:
        with analytics.fresh() as con:
            found = analyse(con, org, q)
            promised = analyse(con, org, DriverQuery(drivers=q.drivers, bootstrap=0))
    finally:
        analytics.close()
    # Store purchases are rated with the NPS answer of the same response; both come from
    # the customer's base mood and the store's planted effects (truths.Stores,
    # experience.latent_csat), so customers who rate the purchase low recommend less.
    [d] = found.drivers
    assert found.message is None and found.respondents > 200
    assert d.raw_effect is not None and d.raw_effect < -20
    assert d.adjusted_high is not None and d.adjusted_high < 0 and d.significant
    assert found.note is not None and f"{found.respondents} of " in found.note
    # Store purchases carry no delivery promise: the default analysis has too few, and says so.
    assert promised.message is not None and promised.message.startswith("Too few")
    assert promised.note is not None and "without a delivery promise" in promised.note
