"""Paired changes: the same customers answering in two periods, tested on their own scores."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import scipy.stats as sps
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics import stats
from cxm.analytics.backend import Analytics
from cxm.analytics.measures import kpi_figures
from cxm.cli import main
from cxm.core.auth import create_user
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.factories import api_key, organization, survey_answers
from tests.web.conftest import PASSWORD, log_in

SEPT = datetime(2026, 9, 10, 12, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 12, tzinfo=UTC)


def repeat_respondents(db: Database) -> int:
    """Customers 1-3 answer NPS in September and October: 5 -> 9, 7 -> 10, 9 -> 9 (and 1 also
    6 in October: their October score is the mean of -100 and +100). Customer 4 answers only
    in October (0), an anonymous respondent only in September (10)."""
    org = organization(db)
    for customer, sept, octo in ((1, [5], [9, 6]), (2, [7], [10]), (3, [9], [9])):
        survey_answers(db, org, SEPT, "nps", sept, customer_id=customer)
        survey_answers(db, org, OCT, "nps", octo, customer_id=customer)
    survey_answers(db, org, OCT, "nps", [0], customer_id=4)
    survey_answers(db, org, SEPT, "nps", [10])
    return org


def test_nps_change_among_repeat_respondents_is_a_paired_t_test(
    db: Database, tmp_path: Path
) -> None:
    org = repeat_respondents(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        [fig] = kpi_figures(analytics, org, "nps", period="2026-10", paired=True)
        [plain] = kpi_figures(analytics, org, "nps", period="2026-10")
    finally:
        analytics.close()
    out = fig.as_dict()
    # Unpaired: September 5, 7, 9, 10 (NPS 25) against October 9, 6, 10, 9, 0 (NPS 20).
    assert out["change"] == pytest.approx(20.0 - 25.0) and out["test"] == "two-sample z"
    # Paired, per customer: -100 -> 0, 0 -> +100, +100 -> +100: differences 100, 100, 0.
    before, after = [-100.0, 0.0, 100.0], [0.0, 100.0, 100.0]
    paired = out["paired_change"]
    assert paired["n"] == 3 and paired["test"] == "paired t"
    assert paired["difference"] == pytest.approx(200 / 3)
    assert paired["p_value"] == pytest.approx(sps.ttest_rel(after, before).pvalue)
    assert plain.as_dict()["paired_change"] is None  # only when asked for


def test_csat_pairs_top_two_box_shares_and_ces_pairs_means(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    for customer, sept, octo in ((1, 2, 5), (2, 3, 4), (3, 5, 5), (4, 4, 2)):
        survey_answers(db, org, SEPT, "csat", [sept], customer_id=customer)
        survey_answers(db, org, OCT, "csat", [octo], customer_id=customer)
        survey_answers(db, org, SEPT, "ces", [sept + 1], customer_id=customer)
        survey_answers(db, org, OCT, "ces", [octo + 2], customer_id=customer)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        [csat] = kpi_figures(analytics, org, "csat", period="2026-10", paired=True)
        [ces] = kpi_figures(analytics, org, "ces", period="2026-10", paired=True)
    finally:
        analytics.close()
    # Top-2-box per customer: 0 -> 1, 0 -> 1, 1 -> 1, 1 -> 0; shown in percent.
    tops = sps.ttest_rel([1, 1, 1, 0], [0, 0, 1, 1])
    assert csat.as_dict()["paired_change"]["difference"] == pytest.approx(25.0)
    assert csat.as_dict()["paired_change"]["p_value"] == pytest.approx(tops.pvalue)
    means = sps.ttest_rel([7, 6, 7, 4], [3, 4, 6, 5])
    assert ces.as_dict()["paired_change"]["difference"] == pytest.approx(1.5)
    assert ces.as_dict()["paired_change"]["p_value"] == pytest.approx(means.pvalue)


def test_paired_comparison_by_hand_and_its_edge_cases() -> None:
    change = stats.compare_paired([1, 2, 3], [2, 4, 3])
    assert change.difference == pytest.approx(1.0)
    assert change.p_value == pytest.approx(sps.ttest_rel([2, 4, 3], [1, 2, 3]).pvalue)
    assert stats.compare_paired([1.0], [2.0]) == stats.Change(1.0, None, "paired t")
    assert stats.compare_paired([1, 2], [2, 3]).p_value is None  # every difference the same
    assert stats.compare_paired([], []) == stats.Change(None, None, "paired t")
    with pytest.raises(ValueError):
        stats.compare_paired([1], [1, 2])


def test_paired_change_in_the_cli_and_the_api(sqlite_db: Database, tmp_path: Path) -> None:
    org = repeat_respondents(sqlite_db)
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "kpi", "nps",
            "--org", "acme", "--period", "2026-10"]  # fmt: skip
    runner = CliRunner()
    [fig] = json.loads(runner.invoke(main, [*base, "--json"]).output)
    assert fig["paired_change"]["n"] == 3
    table_out = runner.invoke(main, base).output
    assert "change -5.0" in table_out and "paired +66.7 (n = 3)" in table_out
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        body = client.get("/api/v1/kpis/nps?period=2026-10", headers=headers).json()
        assert body["figures"][0]["paired_change"]["difference"] == pytest.approx(200 / 3)
        trend = client.get("/api/v1/kpis/nps?by=month", headers=headers).json()
        assert all(f["paired_change"] is None for f in trend["figures"])
        with sqlite_db.session() as s:
            create_user(s, org, "taras@example.com", PASSWORD, name="Taras", language="en")
        log_in(client, "taras@example.com")
        page = client.get("/kpis?metric=nps&by=channel&period=2026-10").text
        assert 'data-testid="paired-change">paired +66.7 (n = 3)' in page
