"""The dashboard's stage x channel heatmap and weekly trend, by hand and on the demo world."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.dashboard import heatmap, weekly_trend
from cxm.analytics.measures import kpi_figures
from cxm.core.db import Database
from cxm.core.settings import Settings
from tests.analytics.test_explorer import answered
from tests.worlds import World


def test_heatmap_cells_by_hand_with_n_and_small_sample_flags(db: Database, tmp_path: Path) -> None:
    org = answered(db)["org"]
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    found = heatmap(analytics, org, "nps", "2026-10")
    assert found.stages == ["purchase", "delivery"] and found.channels == ["delivery", "store"]
    parcel = found.cells[("delivery", "delivery")].as_dict("nps")
    till = found.cells[("purchase", "store")].as_dict("nps")
    assert parcel["n"] == 1 and parcel["value"] == -100.0  # one detractor (2)
    assert till["n"] == 2 and till["value"] == 50.0  # a promoter (10) and a passive (7)
    assert till["small_sample"] is True
    csat = heatmap(analytics, org, "csat", "2026-10").cells[("purchase", "store")]
    assert csat.as_dict("csat")["value"] == 100.0  # 5 and 4: both in the top two boxes
    weeks = weekly_trend(analytics, org, "nps", "2026-10")
    assert [(p.week, p.estimate.n) for p in weeks] == [
        (date(2026, 9, 7), 1),
        (date(2026, 10, 5), 3),
    ]
    assert weeks[1].estimate.value == 0.0  # 10, 7 and 2: one promoter, one detractor


def test_heatmap_cells_add_up_to_the_nps_of_the_demo_world(
    small_world: World, tmp_path: Path
) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    org = small_world.summary.organization_id
    found = heatmap(analytics, org, "nps", "2026-Q3")
    [overall] = kpi_figures(analytics, org, "nps", period="2026-Q3")
    assert sum(c.estimate.n for c in found.cells.values()) == overall.estimate.n
    # The demo's post-purchase survey follows store purchases, deliveries and contact-centre
    # calls; answers through a store counter's QR code name no touchpoint.
    assert found.stages == ["purchase", "delivery", "after_sales", "(unknown)"]
    assert set(found.cells) == {
        ("purchase", "store"),
        ("delivery", "delivery"),
        ("after_sales", "contact_centre"),
        ("(unknown)", "store"),
    }
    # CSAT is asked about store orders only, whichever moment invited the customer.
    csat = heatmap(analytics, org, "csat", "2026")
    assert "store" in csat.channels
    [store_csat] = kpi_figures(analytics, org, "csat", period="2026")
    assert sum(c.estimate.n for c in csat.cells.values()) == store_csat.estimate.n


@pytest.mark.parametrize("metric", ["nps", "csat"])
def test_heatmap_and_weekly_through_the_api(db: Database, tmp_path: Path, metric: str) -> None:
    from cxm.web.app import create_app
    from tests.factories import api_key

    org = answered(db)["org"]
    app = create_app(Settings(data_dir=tmp_path / "web", worker_threads=0), db=db)
    h = {"Authorization": f"Bearer {api_key(db, org)}"}
    with TestClient(app) as client:
        got = client.get(f"/api/v1/kpis/heatmap?metric={metric}&period=2026-10", headers=h)
        assert got.status_code == 200
        cells = {(c["stage"], c["channel"]): c["n"] for c in got.json()["cells"]}
        assert cells[("purchase", "store")] == 2
        weekly = client.get(f"/api/v1/kpis/weekly?metric={metric}&period=2026-10", headers=h)
        assert weekly.status_code == 200 and weekly.json()["weeks"]
        assert client.get("/api/v1/kpis/heatmap?metric=ces", headers=h).status_code == 422


def test_dashboard_is_reused_until_new_data_arrive_and_then_sees_them(
    db: Database, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from cxm.analytics.dashboard import dashboard_data
    from tests.factories import survey_answers

    org = answered(db)["org"]
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    first = dashboard_data(analytics, org, "2026-10")
    assert dashboard_data(analytics, org, "2026-10") is first  # nothing new: the same result
    nps = dict(first.cards)["nps"]
    assert nps is not None and nps.estimate.n == 3
    survey_answers(db, org, datetime(2026, 10, 20, 12, tzinfo=UTC), "nps", [10, 10])
    again = dashboard_data(analytics, org, "2026-10")
    assert again is not first and dict(again.cards)["nps"].estimate.n == 5
    assert dashboard_data(analytics, org, "2026-09") is not again  # another period
