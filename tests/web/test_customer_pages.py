"""Customer pages and API: find a customer, read the timeline, customer text escaped."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.analytics.test_timeline import _customer, _story
from tests.web.conftest import Site, browser_log_in, log_in


def test_timeline_api_cli_and_page(site: Site, client: TestClient) -> None:
    db = site.app.state.db
    _story(db, site.org_id)
    cid = _customer(db, site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}
    assert client.get("/api/v1/customers?q=olena@", headers=headers).json() == {"customers": [cid]}
    body = client.get(f"/api/v1/customers/{cid}/timeline", headers=headers).json()
    assert [e["kind"] for e in body["entries"]][:2] == ["feedback", "shipment"]
    assert client.get("/api/v1/customers/999999/timeline", headers=headers).status_code == 404
    log_in(client, site.email)
    found = client.get("/customers?q=olena@example.com", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/customers/{cid}"
    page = client.get(f"/customers/{cid}").text
    assert "&lt;script&gt;" in page and "<script>alert" not in page  # customer text escaped
    assert "O-1" in page
    only_orders = client.get(f"/customers/{cid}?kind=order").text
    assert "Mystery Ping" not in only_orders and "O-1" in only_orders
    assert client.get("/customers/999999").status_code == 404


@pytest.mark.browser
def test_find_a_customer_and_read_the_timeline_in_chromium(
    live_url: str, site: Site, browser_page: Any
) -> None:
    _story(site.app.state.db, site.org_id)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.click("nav >> a[href='/customers']")
    page.fill("input[name=q]", "olena@example.com")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=timeline]")
    text = page.inner_text("[data-testid=timeline]")
    assert "<script>alert('x')</script>" in text  # shown as text, not run
    assert page.evaluate("() => document.querySelectorAll('.timeline script').length") == 0
    page.click("a[href$='?kind=shipment']")
    page.wait_for_selector(".entry-shipment")
    assert page.locator(".timeline .entry").count() == 2
