"""Journey map, moments of truth and friction pages: filters, drill-down, export, and in
Chromium the demo world's slowest edge at one store down to its customers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.demo.world import generate
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from tests.factories import track
from tests.web.conftest import Site, browser_log_in, log_in


def _journeys(site: Site) -> None:
    db, org = site.app.state.db, site.org_id
    with db.writer() as conn:
        add_location(conn, org, "S1", "Store 1")
        for code in ("A", "B"):
            tp = add_touchpoint(conn, org, code, code, "web", "purchase")
            add_rule(conn, org, tp, event_name=code)
    ingest_batch(
        db,
        org,
        [
            track("1", "A", user_id="u1", timestamp="2026-03-01T10:00:00Z"),
            track("2", "B", user_id="u1", timestamp="2026-03-01T12:00:00Z", location="S1"),
            track("3", "A", user_id="u2", timestamp="2026-03-02T10:00:00Z"),
            track("4", "B", user_id="u2", timestamp="2026-03-02T16:00:00Z"),
        ],
    )


def test_journey_map_filters_and_drills_down(site: Site, client: TestClient) -> None:
    _journeys(site)
    log_in(client, site.email)
    page = client.get("/journeys")
    assert page.status_code == 200 and 'data-testid="dfg"' in page.text
    assert 'data-worst="1"' in page.text  # the only edge is the slowest
    at_store = client.get("/journeys", params={"store": "S1"})
    assert "/journeys/edge?source=A&amp;target=B&amp;store=S1" in at_store.text
    edge = client.get("/journeys/edge", params={"source": "A", "target": "B", "store": "S1"})
    assert edge.status_code == 200
    assert edge.text.count('href="/customers/') == 1  # u2 never went to the store
    everyone = client.get("/journeys/edge", params={"source": "A", "target": "B"})
    assert everyone.text.count('href="/customers/') == 2
    none = client.get("/journeys", params={"store": "NOWHERE"})
    assert 'data-testid="dfg"' not in none.text and '<section class="notice empty"' in none.text


def test_journey_map_is_reused_until_new_events_arrive(site: Site, client: TestClient) -> None:
    _journeys(site)
    log_in(client, site.email)
    first = client.get("/journeys")
    assert first.text == client.get("/journeys").text  # the same map, from the cache
    assert "target=A" not in first.text
    # u1 comes back to A: a new edge B -> A, seen at once (the cache follows the sync).
    ingest_batch(
        site.app.state.db,
        site.org_id,
        [track("5", "A", user_id="u1", timestamp="2026-03-01T13:00:00Z")],
    )
    again = client.get("/journeys")
    assert "/journeys/edge?source=B&amp;target=A" in again.text


def test_moments_and_friction_say_when_there_are_too_few_answers(
    site: Site, client: TestClient
) -> None:
    _journeys(site)
    log_in(client, site.email)
    moments = client.get("/moments")
    assert moments.status_code == 200 and "Замало респондентів" in moments.text
    friction = client.get("/friction")
    assert friction.status_code == 200 and "Замало респондентів" in friction.text
    exported = client.get("/friction", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[0].startswith("name,score,customers")


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/journeys", "/moments", "/friction"):
        assert "/login" in client.get(path, follow_redirects=False).headers["location"]


@pytest.mark.browser
def test_click_the_slowest_edge_at_one_store_and_land_on_its_customers(
    live_url: str, site: Site, browser_page: Any
) -> None:
    generate(site.app.state.db, "small", seed=3)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/journeys")
    page.wait_for_selector("[data-testid=dfg]")
    page.select_option("select[name=store]", "KYIV-2")
    page.click("form.filters button")
    page.wait_for_url("**store=KYIV-2**")
    # The drawing marks one edge as the worst (red); its label links to its customers.
    assert page.locator("[data-testid=journey-graph] a.edge.worst path").count() == 1
    worst = page.locator("[data-testid=journey-graph] a.edge-label[data-worst='1']")
    assert worst.count() == 1
    href = worst.get_attribute("href") or ""
    table_worst = page.locator("[data-testid=dfg] a[data-worst-row='1']").get_attribute("href")
    assert href == table_worst and "store=KYIV-2" in href
    worst.locator("text").click()
    page.wait_for_selector("[data-testid=edge-table]")
    assert "store=KYIV-2" in page.url
    customers = int(
        page.inner_text("[data-testid=edge-customers]")
        .replace("\u00a0", "")
        .replace(" ", "")
        .replace(",", "")
    )
    assert customers > 0
    page.locator("[data-testid=edge-table] a").first.click()
    page.wait_for_url("**/customers/*")


def test_journey_map_lists_the_main_paths_with_their_outcomes(
    site: Site, client: TestClient
) -> None:
    from datetime import UTC, datetime

    from tests.analytics.test_emotion_curve import _customer_id
    from tests.factories import survey_answers

    _journeys(site)
    db, org = site.app.state.db, site.org_id
    with db.writer() as conn:  # a touchpoint code that must be shown escaped
        tp = add_touchpoint(conn, org, "<b>C&D</b>", "C", "web", "purchase")
        add_rule(conn, org, tp, event_name="C")
    ingest_batch(db, org, [track("5", "C", user_id="u3", timestamp="2026-03-03T10:00:00Z")])
    survey_answers(db, org, datetime(2026, 3, 4, tzinfo=UTC), "nps", [10],
                   customer_id=_customer_id(db, org, "u1"))  # fmt: skip
    log_in(client, site.email)
    page = client.get("/journeys")
    assert 'data-testid="variants"' in page.text
    table = page.text.split('data-testid="variants"')[1].split("</table>")[0]
    assert "A → B" in table and "&lt;b&gt;C&amp;D&lt;/b&gt;" in table and "<b>C" not in table
    assert "100" in table and "n = 1" in table  # u1's 10: NPS 100 from one answer, greyed
    assert 'class="greyed"' in table
    assert "Головні шляхи" in page.text  # the user reads Ukrainian
