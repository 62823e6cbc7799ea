"""The outcome-per-path page: orders with and without an event side by side (NPS, CSAT,
sentiment, repeat purchase, churn), by variant, filtered; reached from the journey map."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.analytics.driver_world import driver_world
from tests.analytics.test_outcome_voices import HAD_T0, _said
from tests.web.conftest import Site, browser_log_in, log_in


def test_outcome_page_splits_orders_by_an_event(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    _said(db, site.org_id)
    log_in(client, site.email)
    page = client.get("/journeys/outcomes", params={"event": "t0"})
    assert page.status_code == 200
    table = page.text.split('data-testid="outcomes"')[1].split("</table>")[0]
    rows = table.split("<tr data-group=")[1:]
    assert len(rows) == 2  # with t0 and without it
    with_it = rows[0]
    assert f"{int(HAD_T0.sum())}</td>" in with_it  # the orders with t0
    assert "3,00" in with_it and "n = 2" in with_it  # CSAT 2 and 4 (Ukrainian numbers)
    assert "−0,60" in with_it or "-0,60" in with_it  # comments -0.8 and -0.4
    assert 'data-testid="outcome-difference"' in page.text
    by_path = client.get("/journeys/outcomes")
    assert by_path.status_code == 200 and "t0" in by_path.text
    assert by_path.text.count("<tr data-group=") >= 2
    none = client.get("/journeys/outcomes", params={"store": "NOWHERE"})
    assert 'data-testid="outcome-empty"' in none.text
    bad = client.get("/journeys/outcomes", params={"event": "<b>teleported</b>"})
    assert bad.status_code == 200 and "<b>teleported" not in bad.text
    assert "journeys/outcomes" in client.get("/journeys").text
    picked = client.get(
        "/journeys/outcomes", params={"event": "t0", "outcome": "detractor", "first": "t1"}
    )
    assert picked.status_code == 200
    assert '<option value="detractor" selected>' in picked.text
    assert '<option value="t1" selected>' in picked.text
    odd = client.get("/journeys/outcomes", params={"outcome": "furious"})
    assert odd.status_code == 200 and '<option value="furious"' not in odd.text


@pytest.mark.browser
def test_outcome_page_in_chromium_from_the_journey_map(
    live_url: str, site: Site, browser_page: Any
) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    _said(db, site.org_id)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/journeys")
    page.click("[data-testid=outcomes-link]")
    page.wait_for_selector("[data-testid=outcome-filters]")
    page.fill("input[name=event]", "t0")
    page.click("[data-testid=outcome-filters] button.primary")
    page.wait_for_selector("[data-testid=outcomes]")
    assert "event=t0" in page.url
    assert page.locator("[data-testid=outcomes] tbody tr").count() == 2
    first = page.inner_text("[data-testid=outcomes] tbody tr:first-child")
    assert str(int(HAD_T0.sum())) in first and "n = 2" in first
    assert page.locator("[data-testid=outcome-difference]").is_visible()
