"""The moments-of-truth page: the importance method named, the importance x performance
charts drawn on the server (SVG, no script) per stage and per store, with a table view."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.analytics.driver_world import driver_world, ratings
from tests.web.conftest import Site, log_in


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
