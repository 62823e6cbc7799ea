"""Expectation and sacrifice gaps: hand-computed pairs, incomplete pairs, demo truths, API, CLI."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
import scipy.stats as sps
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.gaps import gap_figures
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.demo import truths as T
from cxm.surveys.models import Answer, Response
from cxm.web.app import create_app
from tests.factories import _survey, api_key, organization
from tests.worlds import World

OCT = datetime(2026, 10, 6, 12, tzinfo=UTC)


def _paired(db: Database, org: int, when: datetime, people: list[dict[str, float]]) -> None:
    """One response per person; keys like 'speed:expectation' -> value."""
    with db.writer() as conn:
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "expectations", mark)
        ids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid, "channel": "email",
              "status": "complete", "started_at": when, "completed_at": when, "sync_mark": mark}
             for _ in people],
        )  # fmt: skip
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": key.split(":")[0],
              "kind": key.split(":")[1], "value": v, "text": None, "sync_mark": mark}
             for rid, answers in zip(ids, people, strict=True) for key, v in answers.items()],
        )  # fmt: skip


def test_gaps_are_means_of_paired_differences_by_hand(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    people = [
        {"speed:expectation": 6, "speed:perception": 4, "speed:ideal": 7, "speed:accepted": 5},
        {"speed:expectation": 5, "speed:perception": 5, "speed:ideal": 6, "speed:accepted": 5},
        {"speed:expectation": 7, "speed:perception": 4, "speed:ideal": 7, "speed:accepted": 3},
        {"speed:expectation": 6},  # no perception: not a pair, not counted
    ]
    _paired(db, org, OCT, people)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        [exp] = gap_figures(analytics, org, "expectation", period="2026-10")
        [sac] = gap_figures(analytics, org, "sacrifice", period="2026-10")
    finally:
        analytics.close()
    diffs = [-2.0, 0.0, -3.0]
    half = sps.t.ppf(0.975, 2) * sps.tstd(diffs) / math.sqrt(3)
    d = exp.as_dict()
    assert d["n"] == 3 and d["value"] == pytest.approx(-5 / 3)
    assert d["margin"] == pytest.approx(half)
    assert d["expectation_mean"] == pytest.approx(6.0) and d["perception_mean"] == pytest.approx(
        13 / 3
    )
    assert sac.as_dict()["value"] == pytest.approx((2 + 1 + 4) / 3)
    assert sac.as_dict()["ideal_mean"] == pytest.approx(20 / 3)


def test_bad_gap_is_refused() -> None:
    with pytest.raises(ValidationError, match="gap must be expectation or sacrifice"):
        gap_figures(None, 1, "regret")  # type: ignore[arg-type]


def test_demo_gaps_match_the_planted_truths(small_world: World, tmp_path: Path) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        exp = {f.attribute: f for f in gap_figures(analytics, org, "expectation", period="2026")}
        sac = {f.attribute: f for f in gap_figures(analytics, org, "sacrifice", period="2026")}
        staff = {
            f.key: f.estimate.value
            for f in gap_figures(analytics, org, "expectation", "store", "2026")
            if f.attribute == "staff helpfulness"
        }
    finally:
        analytics.close()
    measured_exp = dict(T.GAPS.measured_expectation_gap)
    measured_sac = dict(T.GAPS.measured_sacrifice_gap)
    assert set(exp) == set(measured_exp)
    for name, value in measured_exp.items():
        assert exp[name].estimate.value == pytest.approx(value, abs=T.GAPS.tolerance)
        assert sac[name].estimate.value == pytest.approx(measured_sac[name], abs=T.GAPS.tolerance)
    widest = min(exp, key=lambda k: exp[k].estimate.value or 0.0)
    assert widest == T.GAPS.widest_expectation_gap
    assert max(sac, key=lambda k: sac[k].estimate.value or 0.0) == T.GAPS.widest_sacrifice_gap
    low = T.STORES.low_enps_store
    others = [v or 0.0 for k, v in staff.items() if k != low]
    assert (staff[low] or 0.0) < sum(others) / len(others) + T.GAPS.low_enps_staff_effect / 2


def test_gaps_api_and_cli(sqlite_db: Database, tmp_path: Path) -> None:
    org = organization(sqlite_db, "demo")
    _paired(sqlite_db, org, OCT, [{"price:expectation": 5, "price:perception": 3}] * 3)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/kpis/gaps/expectation?period=2026-10", headers=headers).json()
        assert body["figures"][0]["attribute"] == "price"
        assert body["figures"][0]["value"] == pytest.approx(-2.0)
        assert client.get("/api/v1/kpis/gaps/regret", headers=headers).status_code == 422
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "cli"), "--database-url", sqlite_db.url, "kpi", "gaps"]
    out = runner.invoke(main, [*base, "--period", "2026-10", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["value"] == pytest.approx(-2.0)
