"""NPS KPIs: a hand-computed month, its change, breakdowns, and the API and CLI around them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.kpis import nps_figures
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.surveys.models import Answer, Response, Survey, SurveyVersion
from cxm.web.app import create_app
from tests.factories import api_key, organization


def _answers(db: Database, org: int, when: datetime, scores: list[int], channel: str) -> None:
    with db.writer() as conn:
        mark = change_mark(conn)
        survey = conn.execute(table(Survey).select()).first()
        if survey is None:
            sid = insert_returning_ids(
                conn,
                table(Survey),
                [
                    {
                        "organization_id": org,
                        "code": "s",
                        "name": "S",
                        "kind": "transactional",
                        "status": "live",
                        "sync_mark": mark,
                    }
                ],
            )[0]
            vid = insert_returning_ids(
                conn,
                table(SurveyVersion),
                [
                    {
                        "survey_id": sid,
                        "number": 1,
                        "definition": {"questions": []},
                        "created_at": when,
                    }
                ],
            )[0]
        else:
            sid = survey.id
            vid = conn.execute(table(SurveyVersion).select()).first().id  # type: ignore[union-attr]
        ids = insert_returning_ids(
            conn,
            table(Response),
            [
                {
                    "organization_id": org,
                    "survey_id": sid,
                    "version_id": vid,
                    "channel": channel,
                    "status": "complete",
                    "started_at": when,
                    "completed_at": when,
                    "sync_mark": mark,
                }
                for _ in scores
            ],
        )
        insert_rows(
            conn,
            table(Answer),
            [
                {
                    "organization_id": org,
                    "response_id": rid,
                    "question": "nps",
                    "kind": "nps",
                    "value": float(v),
                    "text": None,
                    "sync_mark": mark,
                }
                for rid, v in zip(ids, scores, strict=True)
            ],
        )


def test_nps_of_a_month_with_its_margin_and_change(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    # September: 5 promoters, 3 passives, 2 detractors -> NPS 30
    _answers(db, org, datetime(2026, 9, 10, tzinfo=UTC), [10] * 5 + [8] * 3 + [2] * 2, "web")
    # October: 2 promoters, 3 passives, 5 detractors -> NPS -30; the last day of October in
    # Kyiv starts at 21:00 UTC the day before.
    oct_scores = [9, 10, 7, 7, 8, 0, 3, 5, 6, 6]
    _answers(db, org, datetime(2026, 10, 30, 22, 30, tzinfo=UTC), oct_scores, "store")
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    [fig] = nps_figures(analytics, org, period="2026-10")
    assert (fig.estimate.value, fig.estimate.n) == (pytest.approx(-30.0), 10)
    # SE = 100*sqrt((0.2 + 0.5 - 0.09)/10) = 24.698
    assert fig.estimate.se == pytest.approx(24.698, abs=1e-3)
    assert fig.previous is not None and fig.previous.value == pytest.approx(30.0)
    assert fig.change is not None and fig.change.difference == pytest.approx(-60.0)
    assert fig.estimate.small_sample
    by_channel = nps_figures(analytics, org, by="channel", period="2026-09")
    assert [(f.key, f.estimate.value) for f in by_channel] == [("web", pytest.approx(30.0))]
    assert nps_figures(analytics, org, period="2026-05") == []
    analytics.close()


def test_nps_api_answers_with_figures_and_refuses_bad_periods(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    _answers(db, org, datetime(2026, 10, 5, tzinfo=UTC), [10, 10, 9, 3], "web")
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        body = client.get("/api/v1/kpis/nps?period=2026-10&by=channel", headers=headers).json()
        assert body["figures"][0]["nps"] == pytest.approx(50.0)
        assert body["figures"][0]["n"] == 4 and body["figures"][0]["small_sample"]
        empty = client.get("/api/v1/kpis/nps?period=2026-01", headers=headers).json()
        assert empty["figures"] == [] and "No NPS answers" in empty["message"]
        bad = client.get("/api/v1/kpis/nps?period=2026-13", headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"
