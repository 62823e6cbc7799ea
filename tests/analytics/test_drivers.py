"""Moments of truth: a hand-computed driver, collinear and too-few refusals, and the
planted late-delivery effect in the small demo world."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import DriverQuery, DriverResult, analyse
from cxm.analytics.friction import FrictionQuery, friction
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.demo.truths import CONTACT_LOOP, LATE_DELIVERY
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Order
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.surveys.models import Answer, Response
from cxm.web.app import create_app
from tests.factories import _survey, api_key, organization, track
from tests.worlds import World

DELAYED, ON_TIME = 60, 90


def _world(db: Database) -> int:
    """150 answered web orders: 60 delayed (half detractors, half passives), 90 not (half
    promoters, half passives); ``copy`` marks exactly the delayed ones."""
    org = organization(db)
    with db.writer() as conn:
        for code, event in (("order", "Order Completed"), ("delayed", "Delivery Delayed"),
                            ("copy", "Copy")):  # fmt: skip
            add_rule(conn, org, add_touchpoint(conn, org, code, code, "web", "delivery"),
                     event_name=event)  # fmt: skip
    messages = []
    for i in range(DELAYED + ON_TIME):
        day = f"2026-03-{1 + i % 28:02d}"
        messages.append(
            track(
                f"o{i}",
                "Order Completed",
                user_id=f"u{i}",
                timestamp=f"{day}T10:00:00Z",
                order_id=f"W{i}",
                total=10,
                promised_delivery_date="2026-04-01",
                channel="web",
            )  # fmt: skip
        )
        if i < DELAYED:
            for name in ("Delivery Delayed", "Copy"):
                messages.append(
                    track(
                        f"{name}{i}",
                        name,
                        user_id=f"u{i}",
                        timestamp=f"{day}T20:00:00Z",
                        order_id=f"W{i}",
                    )  # fmt: skip
                )
    ingest_batch(db, org, messages)
    with db.writer() as conn:
        ids = dict(conn.execute(select(table(Order).c.external_id, table(Order).c.id)).all())
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "post", mark)
        when = datetime(2026, 4, 5, tzinfo=UTC)
        scores = [0 if i % 2 else 8 for i in range(DELAYED)]
        scores += [10 if i % 2 else 7 for i in range(ON_TIME)]
        rids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "web",
              "order_id": ids[f"W{i}"], "status": "complete", "started_at": when,
              "completed_at": when, "sync_mark": mark} for i in range(len(scores))],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": "nps", "kind": "nps",
              "value": float(v), "text": None, "sync_mark": mark}
             for rid, v in zip(rids, scores, strict=True)],
        )  # fmt: skip
    return org


def _run(db: Database, tmp_path: Path, org: int, q: DriverQuery) -> DriverResult:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return analyse(con, org, q)
    finally:
        analytics.close()


def test_one_driver_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    found = _run(db, tmp_path, org, DriverQuery(drivers=("delayed",), bootstrap=50))
    assert found.respondents == 150 and found.message is None
    assert found.nps == pytest.approx((-100 * 30 + 100 * 45) / 150)
    [d] = found.drivers
    assert d.respondents_with == DELAYED
    assert d.raw_effect == pytest.approx(-100.0)  # -50 against +50
    assert d.adjusted_effect == pytest.approx(-100.0)  # nothing else to adjust for
    assert d.adjusted_high is not None and d.adjusted_high < 0
    assert d.raw_high is not None and d.raw_low is not None and d.raw_low < -100 < d.raw_high
    assert d.impact == pytest.approx(-100.0 * DELAYED / 150)
    assert d.importance == pytest.approx(1.0) and d.significant


def test_collinear_drivers_and_too_few_respondents_are_said(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    twins = _run(db, tmp_path, org, DriverQuery(drivers=("delayed", "copy"), bootstrap=0))
    assert twins.drivers == [] and twins.message and "delayed and copy go together" in twins.message
    few = _run(
        db, tmp_path, org, DriverQuery(drivers=("delayed",), until=datetime(2026, 3, 5).date())
    )
    assert few.drivers == [] and few.message and "Too few respondents" in few.message


def test_drivers_api_refuses_unknown_drivers(sqlite_db: Database, tmp_path: Path) -> None:
    org = _world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        ok = client.get(
            "/api/v1/analytics/drivers",
            params={"driver": "delayed", "bootstrap": 0},
            headers=headers,
        ).json()
        assert ok["drivers"][0]["raw_effect"] == pytest.approx(-100.0)
        bad = client.get(
            "/api/v1/analytics/drivers", params={"driver": "teleported"}, headers=headers
        )
        assert bad.status_code == 422 and "teleported" in bad.text


def test_late_delivery_is_the_top_moment_of_truth(small_world: World, tmp_path: Path) -> None:
    q = DriverQuery(drivers=("late", "contact_loop", "returned"), bootstrap=100)
    found = _run(small_world.db, tmp_path, small_world.summary.organization_id, q)
    top = found.drivers[0]
    assert top.name == "late" and top.significant
    assert top.raw_effect == pytest.approx(
        LATE_DELIVERY.nps_effect_raw, abs=LATE_DELIVERY.tolerance
    )
    # Adjusted for the contact loop (a mediator), city, segment and channel: the direct effect.
    # The small world's 600-odd respondents put about 8 points of noise on it.
    assert top.adjusted_effect == pytest.approx(LATE_DELIVERY.nps_effect_adjusted, abs=8.0)
    assert top.raw_high is not None and top.raw_high < 0
    assert top.adjusted_high is not None and top.adjusted_high < 0
    assert top.importance_low is not None and top.importance_low > 0
    loop = next(d for d in found.drivers if d.name == "contact_loop")
    assert loop.adjusted_high is not None and loop.adjusted_high < 0
    assert loop.raw_effect is not None and loop.raw_effect < CONTACT_LOOP.nps_effect_adjusted + 10
    returned = next(d for d in found.drivers if d.name == "returned")
    assert not returned.significant  # returns move nothing in the demo world


def test_friction_ranks_customers_affected_times_points_lost(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        found = friction(con, org, FrictionQuery(touchpoints=("delayed",)))
    analytics.close()
    top = found.points[0]
    assert (top.name, top.customers, top.orders, top.harmful) == ("delayed", 60, 60, True)
    assert top.score == pytest.approx(60 * 100.0)
    assert top.share_of_orders == pytest.approx(60 / 150)
    # The built-in facts nobody had come after, saying why.
    assert all(p.score is None and p.note for p in found.points[1:])


def test_late_delivery_tops_the_demo_friction_list(small_world: World, tmp_path: Path) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        found = friction(con, small_world.summary.organization_id, FrictionQuery())
    analytics.close()
    assert [p.name for p in found.points[:2]] == ["late", "contact_loop"]
    late = found.points[0]
    assert late.median_days_late is not None and 1 <= late.median_days_late <= 4
    assert late.churn_with is not None and late.churn_without is not None
    assert late.churn_with > late.churn_without
    returned = next(p for p in found.points if p.name == "returned")
    assert returned.score is None and not returned.harmful


def test_drivers_and_quadrants_narrow_to_one_segment(small_world: World, tmp_path: Path) -> None:
    from cxm.analytics.driver_rows import respondents
    from cxm.analytics.quadrants import QuadrantQuery, quadrants

    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            everyone = respondents(con, org, DriverQuery(bootstrap=0))
            counts = everyone.group_by("segment").len().sort("len", descending=True)
            biggest = str(counts["segment"][0])
            own = respondents(con, org, DriverQuery(bootstrap=0, segment=biggest))
            found = analyse(con, org, DriverQuery(bootstrap=0, segment=biggest))
            none = analyse(con, org, DriverQuery(bootstrap=0, segment="no-such-segment"))
            quads = quadrants(con, org, QuadrantQuery(segment=biggest))
    finally:
        analytics.close()
    # Exactly the segment's answered orders, and the planted effect holds within it.
    assert own.height == int(counts["len"][0]) < everyone.height
    assert set(own["segment"].to_list()) == {biggest}
    assert found.respondents == own.height
    late = next(d for d in found.drivers if d.name == "late")
    assert late.raw_effect is not None and late.raw_high is not None and late.raw_high < 0
    assert none.respondents == 0 and none.message
    assert quads.panels and quads.message is None
    with TestClient(create_app(Settings(data_dir=tmp_path), small_world.db)) as client:
        headers = {"Authorization": f"Bearer {api_key(small_world.db, org)}"}
        body = client.get(
            "/api/v1/analytics/drivers", params={"segment": biggest}, headers=headers
        ).json()
        assert body["respondents"] == own.height
        shown = client.get(
            "/api/v1/analytics/drivers/quadrants", params={"segment": biggest}, headers=headers
        )
        assert shown.status_code == 200 and shown.json()["panels"]
