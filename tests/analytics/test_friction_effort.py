"""Effort friction: hand-computed CES answers at three touchpoints (one much harder), the
filters, the demo world's contact centre, the API's links and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_effort import EffortList, effort
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.surveys.models import Answer, Response
from tests.factories import _survey, api_key, organization, track
from tests.worlds import World

# CES answers per touchpoint, and how many customers passed each one.
ANSWERS = {"calls": [2, 3] * 10, "deliveries": [6, 7] * 10, "shop": [5, 6] * 10}
PASSED = {"calls": 30, "deliveries": 20, "shop": 20}
CHANNELS = {"calls": "contact_centre", "deliveries": "delivery", "shop": "store"}


def effort_world(db: Database, org: int | None = None) -> int:
    org = org or organization(db)
    ids: dict[str, int] = {}
    with db.writer() as conn:
        for code, channel in CHANNELS.items():
            ids[code] = add_touchpoint(conn, org, code, code, channel, "after_sales")
            add_rule(conn, org, ids[code], event_name=code.title())
    ingest_batch(
        db,
        org,
        [
            track(
                f"{code}{i}",
                code.title(),
                user_id=f"{code}-u{i}",
                timestamp=f"2026-03-{1 + i % 28:02d}T10:00:00Z",
            )  # fmt: skip
            for code, n in PASSED.items()
            for i in range(n)
        ],
    )
    when = datetime(2026, 4, 5, tzinfo=UTC)
    with db.writer() as conn:
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "after", mark)
        for code, values in ANSWERS.items():
            rids = insert_returning_ids(
                conn,
                table(Response),
                [{"organization_id": org, "survey_id": sid, "version_id": vid,
                  "channel": "email", "touchpoint_id": ids[code], "status": "complete",
                  "started_at": when, "completed_at": when, "sync_mark": mark}
                 for _ in values],
            )  # fmt: skip
            insert_rows(
                conn,
                table(Answer),
                [{"organization_id": org, "response_id": rid, "question": "ces", "kind": "ces",
                  "value": float(v), "text": None, "sync_mark": mark}
                 for rid, v in zip(rids, values, strict=True)],
            )  # fmt: skip
    return org


def _run(db: Database, tmp_path: Path, org: int, **filters: object) -> EffortList:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return effort(con, org, **filters)  # type: ignore[arg-type]
    finally:
        analytics.close()


def test_the_hard_touchpoint_is_ranked_by_customers_finding_it_hard(
    db: Database, tmp_path: Path
) -> None:
    org = effort_world(db)
    found = _run(db, tmp_path, org)
    assert found.respondents == 60
    top = found.points[0]
    assert (top.touchpoint, top.channel, top.respondents, top.customers) == (
        "calls",
        "contact_centre",
        20,
        30,
    )
    assert top.mean == pytest.approx(2.5) and top.others_mean == pytest.approx(6.0)
    assert top.low is not None and top.high is not None and top.low < 2.5 < top.high
    assert (top.easy_share, top.others_easy_share) == (0.0, 1.0)
    assert top.harmful and top.p_value is not None and top.p_value < 0.05
    assert top.score == pytest.approx(30 * (1.0 - 0.0))
    # The easier ones are listed after, unscored, saying why.
    assert [p.touchpoint for p in found.points[1:]] == ["shop", "deliveries"]
    assert all(p.score is None and not p.harmful and p.note for p in found.points[1:])


def test_effort_filters_that_match_nothing_say_so(db: Database, tmp_path: Path) -> None:
    org = effort_world(db)
    later = _run(db, tmp_path, org, since=date(2026, 5, 1))
    assert later.points == [] and later.message and "CES" in later.message
    one = _run(db, tmp_path, org, channel="contact_centre")
    assert [p.touchpoint for p in one.points] == ["calls"]
    assert one.points[0].note == "no other touchpoint to compare with"


def test_the_demo_contact_centre_is_the_hardest_touchpoint(
    small_world: World, tmp_path: Path
) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        found = friction(con, small_world.summary.organization_id, FrictionQuery())
    analytics.close()
    points = found.effort.points
    assert points[0].touchpoint == "cc_order"  # contact loops cost effort (truths.EFFORT)
    assert all(p.mean is not None and p.mean >= (points[0].mean or 0) for p in points)
    assert {p.touchpoint for p in points} >= {"cc_order", "delivered", "store_purchase"}


def test_api_links_each_effort_point_to_its_hard_answers(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxm.core.settings import get_settings
    from cxm.web.app import create_app

    org = effort_world(sqlite_db)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/analytics/friction", headers=headers).json()
        top = body["effort"]["points"][0]
        assert top["touchpoint"] == "calls" and top["score"] == pytest.approx(30)
        url = top["responses_url"]
        assert url == "/api/v1/responses?touchpoint=calls&kpi=ces&score_max=4"
        behind = client.get(url, headers=headers).json()
        assert behind["total"] == 20
    monkeypatch.setenv("CXM_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["friction", "--org", "acme", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["effort"]["points"][0]["touchpoint"] == "calls"
    table_out = CliRunner().invoke(main, ["friction", "--org", "acme"])
    assert table_out.exit_code == 0 and "Effort (CES" in table_out.output
    assert "calls" in table_out.output and "CES 2.50" in table_out.output
