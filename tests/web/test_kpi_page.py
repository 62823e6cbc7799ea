"""The KPIs page: cards for every KPI, a league table with intervals, filters, suppression."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import store_location, survey_answers
from tests.web.conftest import PASSWORD, Site, browser_log_in, log_in

OCT = datetime(2026, 10, 8, 12, tzinfo=UTC)


def _data(site: Site) -> None:
    db = site.app.state.db
    a = store_location(db, site.org_id, "KYIV-7")
    b = store_location(db, site.org_id, "LVIV-7")
    survey_answers(db, site.org_id, OCT, "nps", [10, 10, 9, 2], "store", a)
    survey_answers(db, site.org_id, OCT, "nps", [0, 3, 8], "store", b)
    survey_answers(db, site.org_id, OCT, "csat", [5, 4, 1], "store", a)
    survey_answers(db, site.org_id, OCT, "enps", [10, 9, 0], "employee", b, "pulse")


def test_kpi_page_shows_cards_a_breakdown_and_suppresses_small_employee_groups(
    site: Site, client: TestClient
) -> None:
    _data(site)
    log_in(client, site.email)
    page = client.get("/kpis?metric=nps&by=store&period=2026-10")
    assert page.status_code == 200
    html = page.text
    for card in ("card-nps", "card-csat", "card-ces", "card-enps"):
        assert f'data-testid="{card}"' in html
    assert "KYIV-7" in html and "LVIV-7" in html
    assert "50,0" in html or "50.0" in html  # KYIV-7: 3 promoters, 1 detractor of 4
    enps = client.get("/kpis?metric=enps&by=store&period=2026-10").text
    assert "fewer than five answers" in enps or "менше п’яти відповідей" in enps
    refused = client.get("/kpis?period=last-year").text
    assert "2026-Q3" in refused and 'role="alert"' in refused


def test_kpi_page_needs_a_login(site: Site, client: TestClient) -> None:
    answer = client.get("/kpis", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]


@pytest.mark.browser
def test_kpi_page_in_chromium_switches_to_csat_by_store(
    live_url: str, site: Site, browser_page: Any
) -> None:
    _data(site)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/kpis?period=2026-10")
    page.select_option("select[name=metric]", "csat")
    page.select_option("select[name=by]", "store")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=kpi-table]")
    assert "metric=csat" in page.url
    rows = page.inner_text("[data-testid=kpi-table] tbody")
    assert "KYIV-7" in rows and "LVIV-7" not in rows  # only KYIV-7 has CSAT answers
    bar = page.eval_on_selector(".interval-bar .point", "e => e.style.left")
    assert bar.endswith("%")


def test_kpi_page_shows_both_gaps_per_attribute(site: Site, client: TestClient) -> None:
    from tests.analytics.test_gaps import _paired

    people = [{"speed:expectation": 6, "speed:perception": 3, "speed:ideal": 7,
               "speed:accepted": 4}] * 2  # fmt: skip
    _paired(site.app.state.db, site.org_id, OCT, people)
    log_in(client, site.email)
    html = client.get("/kpis?period=2026-10").text
    assert 'data-testid="gap-expectation"' in html and 'data-testid="gap-sacrifice"' in html
    assert "-3.00" in html and "+3.00" in html


def test_kpi_page_draws_the_emotion_curve(tmp_path: Path) -> None:
    from cxm.core.auth import create_user
    from cxm.core.settings import Settings
    from cxm.web.app import create_app
    from tests.analytics.test_emotion_curve import _world

    # No background worker: the hand-made readings must stay the newest ones.
    app = create_app(Settings(data_dir=tmp_path, worker_threads=0))
    org = _world(app.state.db, "demo")
    with app.state.db.session() as s:
        create_user(s, org, "reader@example.com", PASSWORD)
    with TestClient(app) as client:
        log_in(client, "reader@example.com")
        html = client.get("/kpis").text
    assert 'data-testid="emotion-overview"' in html
    curve = html[html.index('data-testid="emotion-overview"') :]
    assert "-0.80" in curve and "+0.60" in curve


def test_kpi_page_shows_sales_cards_beside_the_experience_ones(
    site: Site, client: TestClient
) -> None:
    from tests.analytics.test_sales import shop

    shop(site.app.state.db, "demo")
    log_in(client, site.email)
    html = client.get("/kpis?period=2026-10").text
    for card in ("conversion", "aov", "repeat", "returns", "churn"):
        assert f'data-testid="card-{card}"' in html
    aov = html[html.index('data-testid="card-aov"') :]
    assert "400 UAH" in aov[:600]  # October's two orders in hryvnia: 300 and 500
    assert "1 замовлень в інших валютах не враховано" in aov[:1200]  # the EUR order
