"""CSAT, CES and eNPS: hand-computed figures, periods, filters, suppression, demo truths."""

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
from cxm.analytics.measures import (
    KpiFilter,
    kpi_figures,
    months_of,
    previous_period,
)
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.demo import truths as T
from cxm.web.app import create_app
from tests.factories import api_key, organization, store_location, survey_answers
from tests.worlds import World

SEPT = datetime(2026, 9, 10, 12, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)


def test_csat_top_two_box_with_wilson_interval_and_mean_with_t_interval(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    survey_answers(db, org, OCT, "csat", [5, 5, 4, 3, 1])
    survey_answers(db, org, OCT, "csat", [9, 0])  # off the 1-5 scale: not counted
    [fig] = kpi_figures(Analytics(db, Settings(data_dir=tmp_path)), org, "csat", period="2026-10")
    out = fig.as_dict()
    # 3 of 5 in the top two boxes; Wilson: centre (p + z^2/2n)/(1 + z^2/n), by hand.
    assert out["n"] == 5 and out["value"] == pytest.approx(60.0)
    assert out["low"] == pytest.approx(23.07, abs=0.01)
    assert out["high"] == pytest.approx(88.24, abs=0.01)
    # mean 3.6, sd sqrt(2.8), t(0.975, 4) = 2.776445
    assert out["mean"] == pytest.approx(3.6)
    assert out["mean_margin"] == pytest.approx(2.776445 * math.sqrt(2.8 / 5), abs=1e-4)
    assert out["small_sample"] is True and out["change"] is None


def test_ces_mean_and_its_change_agree_with_welch_on_the_raw_answers(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    before, after = [3, 4, 2, 5, 3, 4], [7, 6, 2, 5, 6, 7, 6]
    survey_answers(db, org, SEPT, "ces", before)
    survey_answers(db, org, OCT, "ces", after)
    [fig] = kpi_figures(Analytics(db, Settings(data_dir=tmp_path)), org, "ces", period="2026-10")
    out = fig.as_dict()
    assert out["value"] == pytest.approx(sum(after) / len(after))
    assert out["easy_share"] == pytest.approx(100 * 6 / 7)  # answers of 5-7
    welch = sps.ttest_ind(after, before, equal_var=False)
    assert out["change"] == pytest.approx(sum(after) / 7 - sum(before) / 6)
    assert out["p_value"] == pytest.approx(float(welch.pvalue), rel=1e-6)
    assert out["test"] == "Welch t"


def test_enps_groups_under_five_are_suppressed(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    small, big = store_location(db, org, "SMALL"), store_location(db, org, "BIG")
    survey_answers(db, org, OCT, "enps", [10, 10, 0, 3], "employee", small, "pulse")
    survey_answers(db, org, OCT, "enps", [10, 9, 8, 3, 2, 1], "employee", big, "pulse")
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    figures = {f.key: f.as_dict() for f in kpi_figures(analytics, org, "enps", "store", "2026-10")}
    assert figures["SMALL"]["suppressed"] is True and figures["SMALL"]["value"] is None
    assert figures["SMALL"]["n"] == 4
    assert figures["BIG"]["suppressed"] is False
    assert figures["BIG"]["enps"] == pytest.approx(100 * (2 - 3) / 6)
    [overall] = kpi_figures(analytics, org, "enps", period="2026-10")
    assert overall.as_dict()["n"] == 10 and overall.as_dict()["enps"] == pytest.approx(-10.0)


def test_quarters_pool_their_months_and_compare_with_the_quarter_before(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    survey_answers(db, org, datetime(2026, 5, 5, tzinfo=UTC), "nps", [10, 0])  # Q2: NPS 0
    survey_answers(db, org, datetime(2026, 7, 5, tzinfo=UTC), "nps", [10, 10])
    survey_answers(db, org, datetime(2026, 9, 5, tzinfo=UTC), "nps", [10, 8, 2])
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    [q3] = kpi_figures(analytics, org, "nps", period="2026-Q3")
    out = q3.as_dict()
    assert out["n"] == 5 and out["nps"] == pytest.approx(100 * (3 - 1) / 5)
    assert out["previous"] == pytest.approx(0.0) and out["change"] == pytest.approx(40.0)
    [year] = kpi_figures(analytics, org, "nps", period="2026")
    assert year.as_dict()["n"] == 7 and year.as_dict()["previous"] is None
    trend = kpi_figures(analytics, org, "nps", by="month")
    assert [(f.period, f.estimate.n) for f in trend] == [
        ("2026-05", 2),
        ("2026-07", 2),
        ("2026-09", 3),
    ]


def test_filters_narrow_the_answers_and_unknown_values_give_nothing(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    store = store_location(db, org, "LVIV-9")
    survey_answers(db, org, OCT, "nps", [10, 10, 10], "store", store)
    survey_answers(db, org, OCT, "nps", [0, 0], "web")
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    [web] = kpi_figures(analytics, org, "nps", period="2026-10", where=KpiFilter(channel="web"))
    assert web.as_dict()["nps"] == -100.0 and web.estimate.n == 2
    [lviv] = kpi_figures(
        analytics, org, "nps", period="2026-10", where=KpiFilter(region="Lviv Oblast")
    )
    assert lviv.estimate.n == 3
    by_region = {f.key: f.estimate.n for f in kpi_figures(analytics, org, "nps", "region")}
    assert by_region == {"Lviv Oblast": 3, "(online)": 2}
    assert kpi_figures(analytics, org, "nps", where=KpiFilter(store="NOWHERE")) == []
    assert kpi_figures(analytics, org, "csat", period="2026-10") == []


def test_segment_filters_and_breaks_down_by_the_respondents_customer(
    db: Database, tmp_path: Path
) -> None:
    from cxm.core.bulk import insert_returning_ids
    from cxm.core.db import table
    from cxm.ingest.models import Customer

    org = organization(db)
    with db.writer() as conn:
        loyal, new = insert_returning_ids(conn, table(Customer), [
            {"organization_id": org, "segment": segment, "sync_mark": 0,
             "first_seen_at": datetime(2026, 1, 1, tzinfo=UTC)}
            for segment in ("loyalty", "new")])  # fmt: skip
    survey_answers(db, org, OCT, "nps", [10, 9, 8], customer_id=loyal)  # NPS +67, n 3
    survey_answers(db, org, OCT, "nps", [3, 10], customer_id=new)  # NPS 0, n 2
    survey_answers(db, org, OCT, "nps", [2])  # anonymous: no customer, no segment
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    by = {f.key: (f.estimate.n, f.as_dict()["nps"]) for f in kpi_figures(
        analytics, org, "nps", "segment", "2026-10")}  # fmt: skip
    assert by == {"loyalty": (3, pytest.approx(200 / 3)), "new": (2, 0.0), "(unknown)": (1, -100.0)}
    [loyalty] = kpi_figures(
        analytics, org, "nps", period="2026-10", where=KpiFilter(segment="loyalty")
    )
    assert loyalty.estimate.n == 3


def test_bad_metric_breakdown_or_period_is_refused() -> None:
    with pytest.raises(ValidationError, match="metric must be one of"):
        kpi_figures(None, 1, "happiness")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="by must be one of"):
        kpi_figures(None, 1, "nps", by="planet")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="period must be"):
        kpi_figures(None, 1, "nps", period="2026-13")  # type: ignore[arg-type]


def test_period_arithmetic() -> None:
    assert months_of("2026-Q1") == ["2026-01", "2026-02", "2026-03"]
    assert len(months_of("2025")) == 12 and months_of("2026-02") == ["2026-02"]
    assert previous_period("2026-Q1") == "2025-Q4" and previous_period("2026-01") == "2025-12"
    assert previous_period("2026") == "2025" and previous_period("2026-Q3") == "2026-Q2"


def test_demo_world_low_enps_store_and_sensory_store_are_found(
    small_world: World, tmp_path: Path
) -> None:
    db = small_world.db
    org = small_world.summary.organization_id
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        enps = {f.key: f for f in kpi_figures(analytics, org, "enps", "store", "2026")}
        csat = {f.key: f for f in kpi_figures(analytics, org, "csat", "store", "2026")}
        ces = kpi_figures(analytics, org, "ces", period="2026")
    finally:
        analytics.close()
    low = T.STORES.low_enps_store
    assert min(enps, key=lambda k: enps[k].estimate.value or 0.0) == low
    assert enps[low].estimate.value == pytest.approx(T.STORES.low_enps, abs=25)
    others = [f.estimate.value or 0.0 for k, f in enps.items() if k != low]
    assert sum(others) / len(others) == pytest.approx(T.STORES.other_enps, abs=10)
    sensory = T.STORES.sensory_store
    # The small world has a few dozen CSAT answers per store: the sensory store is below the
    # others, though not always the lowest (the population-level effect is in test_truths).
    means = {k: f.detail.value for k, f in csat.items() if f.detail and f.detail.value}
    others_mean = sum(v for k, v in means.items() if k != sensory) / (len(means) - 1)
    assert means[sensory] < others_mean - 0.1
    assert "(online)" not in csat  # CSAT is asked about store purchases only
    assert ces and ces[0].estimate.n > 100


def test_kpi_api_filters_breaks_down_and_refuses_unknown_metrics(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    store = store_location(db, org, "LVIV-9")
    survey_answers(db, org, OCT, "csat", [5, 4, 2], "store", store)
    survey_answers(db, org, OCT, "csat", [1, 1], "web")
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org)}"}
        body = client.get(
            "/api/v1/kpis/csat?period=2026-Q4&by=store&channel=store", headers=headers
        ).json()
        assert body["filters"] == {"channel": "store"} and body["period"] == "2026-Q4"
        [fig] = body["figures"]
        assert fig["key"] == "LVIV-9" and fig["value"] == pytest.approx(100 * 2 / 3)
        assert fig["mean"] == pytest.approx(11 / 3)
        unknown = client.get("/api/v1/kpis/happiness", headers=headers)
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "metric"
        bad = client.get("/api/v1/kpis/ces?period=2026-Q5", headers=headers)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"


def test_kpi_cli_prints_a_table_and_json(sqlite_db: Database, tmp_path: Path) -> None:
    org = organization(sqlite_db, "demo")
    store = store_location(sqlite_db, org, "KYIV-9")
    survey_answers(sqlite_db, org, OCT, "enps", [10, 10, 9, 3, 8, 7], "employee", store, "pulse")
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "kpi", "enps"]
    table_out = runner.invoke(main, [*base, "--by", "store", "--period", "2026-10"])
    assert table_out.exit_code == 0, table_out.output
    assert "eNPS (points), 2026-10" in table_out.output and "KYIV-9" in table_out.output
    as_json = runner.invoke(main, [*base, "--period", "2026", "--json"])
    [fig] = json.loads(as_json.output)
    assert fig["enps"] == pytest.approx(100 * (3 - 1) / 6) and fig["n"] == 6
    bad = runner.invoke(main, [*base, "--period", "October"])
    assert bad.exit_code != 0 and "period must be YYYY-MM, YYYY-Qn or YYYY" in bad.output


def test_several_surveys_nps_questions_merge_into_one_series(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    survey_answers(db, org, OCT, "nps", [10, 10, 0], survey="delivery")
    survey_answers(db, org, OCT, "nps", [9, 5], survey="pickup")
    survey_answers(db, org, OCT, "nps", [0, 0, 0, 0], survey="relationship")
    analytics = Analytics(db, Settings(data_dir=tmp_path))

    def nps(survey: str) -> tuple[float, int]:
        [fig] = kpi_figures(analytics, org, "nps", period="2026-10", where=KpiFilter(survey=survey))
        return fig.as_dict()["nps"], fig.estimate.n

    # 3 promoters and 2 detractors among 5 answers of the two transactional surveys: NPS 20.
    assert nps("delivery, pickup") == (pytest.approx(20.0), 5)
    assert nps("delivery") == (pytest.approx(100 * (2 - 1) / 3), 3)
    assert nps("delivery,ghost") == (pytest.approx(100 * (2 - 1) / 3), 3)
