"""The moments-of-truth page: the importance method named, the importance x performance
charts drawn on the server (SVG, no script) per stage and per store, with a table view."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxm.core.db import table
from cxm.core.jobs import Job
from tests.analytics.driver_world import driver_world, ratings
from tests.analytics.test_friction_evidence import HAD_T0, comment
from tests.web.conftest import Site, browser_log_in, log_in


def test_moments_page_draws_the_quadrants(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    ratings(db, site.org_id, "t1", [5, 5, 4, 2, 1])
    log_in(client, site.email)
    page = client.get("/moments", params={"also": "t0, t1, t2"})
    assert page.status_code == 200
    assert 'data-testid="importance-method"' in page.text and "LMG" in page.text
    assert 'data-testid="quadrants"' in page.text and "<svg" in page.text
    assert page.text.count("<circle") == 1  # only t1 has ratings to place it
    assert "<title>t1</title>" in page.text and "тримати рівень" in page.text
    assert "<script" not in page.text.split('data-testid="quadrants"')[1]
    per_store = client.get("/moments", params={"also": "t1", "by": "store"})
    assert per_store.status_code == 200 and 'value="store" selected' in per_store.text
    # The "per stage / per store" form keeps the filters chosen above it.
    kept = client.get("/moments", params={"also": "t1", "gap_days": 45})
    form = kept.text.split('data-testid="quadrants"')[1].split("</form>")[0]
    for hidden in ('name="also" value="t1"', 'name="gap_days" value="45"', 'name="first" value=""'):
        assert hidden in form


def test_quadrant_labels_stay_inside_their_chart(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    ratings(db, site.org_id, "t1", [5, 5, 4, 2, 1])
    ratings(db, site.org_id, "t2", [5, 5, 5, 5, 5])
    log_in(client, site.email)
    page = client.get("/moments", params={"also": "t0, t1, t2"})
    chart = page.text.split('data-testid="quadrants"')[1].split("quadrant-table")[0]
    found = re.findall(
        r'<circle cx="([\d.]+)".*?<title>(\w+)</title></circle>\s*(<text [^>]*>)', chart, re.S
    )
    placed = {name: (float(cx), label) for cx, name, label in found}
    # t2 (all ratings good) sits right of the middle: its label ends at its dot; t1's starts.
    assert placed["t2"][0] > 140 and 'text-anchor="end"' in placed["t2"][1]
    assert placed["t1"][0] < 140 and 'text-anchor="end"' not in placed["t1"][1]


def test_moments_page_shows_intervals_when_the_background_job_is_done(
    site: Site, client: TestClient
) -> None:
    from tests.analytics.test_driver_intervals import finish

    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    log_in(client, site.email)
    params = {"also": "t0, t1, t2"}
    first = client.get("/moments", params=params)
    assert first.status_code == 200 and 'data-testid="intervals-pending"' in first.text
    assert first.headers["refresh"] == "5"  # the browser asks again by itself
    with db.engine.connect() as conn:
        job_id = conn.execute(select(func.max(table(Job).c.id))).scalar_one()
    assert finish(db, int(job_id)) == "done"
    ready = client.get("/moments", params=params)
    assert 'data-testid="intervals-ready"' in ready.text and "refresh" not in ready.headers
    t0 = ready.text.split('<th scope="row">t0</th>')[1].split("</tr>")[0]
    assert t0.count("%") >= 3  # the share and its interval
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table(Job))).scalar_one() == job_id


def test_friction_page_links_to_the_customers_and_comments(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    comment(db, site.org_id, f"W{int(np.flatnonzero(HAD_T0)[0])}", "<script>x()</script> late")
    log_in(client, site.email)
    listed = client.get("/friction")
    assert listed.status_code == 200 and "/friction/evidence?name=late" in listed.text
    page = client.get("/friction/evidence", params={"name": "t0"})
    assert page.status_code == 200
    assert page.text.count('href="/customers/') >= int(HAD_T0.sum())
    assert "&lt;script&gt;x()&lt;/script&gt; late" in page.text and "<script>x()" not in page.text
    unknown = client.get("/friction/evidence", params={"name": "teleported"})
    assert unknown.status_code == 200 and "teleported" in unknown.text


def _browser_log_in(page: Any, live_url: str, site: Site) -> None:
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")


@pytest.mark.browser
def test_moments_page_in_chromium_shows_points_first_then_the_intervals(
    live_url: str, site: Site, browser_page: Any
) -> None:
    from tests.analytics.test_driver_intervals import finish

    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    page = browser_page
    _browser_log_in(page, live_url, site)
    page.goto(live_url + "/moments?also=t0,%20t1,%20t2")
    page.wait_for_selector("[data-testid=importance-method]")
    # The point estimates are there at once; the intervals are on their way.
    t0 = page.locator("tr", has=page.locator("th", has_text="t0")).first
    assert "%" in t0.inner_text()
    assert page.locator("[data-testid=intervals-ready]").count() == 0 or (
        page.locator("[data-testid=intervals-pending]").count() == 0
    )  # an in-process worker may already have finished the job
    with db.engine.connect() as conn:
        job_id = conn.execute(select(func.max(table(Job).c.id))).scalar_one()
    assert finish(db, int(job_id)) == "done"
    # The page asks again by itself (Refresh: 5) and then shows the intervals.
    page.wait_for_selector("[data-testid=intervals-ready]", timeout=30_000)
    ready = page.locator("tr", has=page.locator("th", has_text="t0")).first.inner_text()
    assert ready.count("%") >= 3  # the share and its interval


@pytest.mark.browser
def test_friction_evidence_link_in_chromium_lands_on_the_customers_behind_it(
    live_url: str, site: Site, browser_page: Any
) -> None:
    from cxm.demo.world import generate

    generate(site.app.state.db, "small", seed=3)
    page = browser_page
    _browser_log_in(page, live_url, site)
    page.goto(live_url + "/friction")
    # Late delivery tops the demo's friction list; its evidence link opens what is behind it.
    link = page.locator("[data-testid=friction] a[data-testid=evidence-link]").first
    assert "name=late" in (link.get_attribute("href") or "")
    link.click()
    page.wait_for_selector("[data-testid=evidence-customers]")
    assert "/friction/evidence" in page.url and "name=late" in page.url
    shown = int(
        page.inner_text("[data-testid=evidence-customers]")
        .replace("\u00a0", "")
        .replace(" ", "")
        .replace(",", "")
    )
    customers = page.locator("[data-testid=evidence-customer-links] a")
    assert shown > 0 and customers.count() == min(shown, 200)
    assert page.locator("[data-testid=evidence-responses] tbody tr").count() > 0
    customers.first.click()
    page.wait_for_url("**/customers/*")
    page.wait_for_selector("h1")


def test_moments_page_weighs_a_touchpoint_rating_and_says_which_orders_it_kept(
    site: Site, client: TestClient
) -> None:
    from tests.analytics.test_rating_drivers import _ratings

    db = site.app.state.db
    driver_world(db, drivers=3, org=site.org_id)
    _ratings(db, site.org_id, "order", {i: 2 if i % 3 else 5 for i in range(200)})
    log_in(client, site.email)
    page = client.get("/moments", params={"also": "rating:order", "all_orders": "1"})
    assert page.status_code == 200
    assert 'name="all_orders" value="1" checked' in page.text
    assert "Чинники-оцінки (rating:order): 200 з 240 респондентів" in page.text
    rows = page.text.split('data-testid="drivers"')[1].split("</table>")[0]
    assert '<th scope="row">rating:order</th>' in rows
    # The quadrants refuse it (the touchpoint code is the point for its ratings).
    assert "not drawn in quadrants" in page.text
