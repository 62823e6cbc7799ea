"""The rework page: contact loops, revisited touchpoints and channel switches, with the
journey map's store, period and journey-cut filters, reached from the journey map."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.analytics.test_order_cycles import order_events
from tests.web.conftest import Site, browser_log_in, log_in


def _revisits(html: str) -> dict[str, str]:
    """Touchpoint -> revisits of the page's revisits table."""
    table = html.split('data-testid="revisits"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    return {
        row.split('<th scope="row">')[1].split("</th>")[0]: row.split("<td>")[1].split("</td>")[0]
        for row in rows
    }


def test_rework_page_follows_the_journey_cut(site: Site, client: TestClient) -> None:
    # By order cycle only u3's second browse revisits B; by a 30-day gap u1's first month is
    # one journey (B P D B P P D C: B, P and D revisited) and u2's browse revisits B.
    order_events(site.app.state.db, site.org_id)
    log_in(client, site.email)
    by_gap = client.get("/journeys/rework")
    assert by_gap.status_code == 200 and "Повторні дії та петлі" in by_gap.text
    assert _revisits(by_gap.text) == {"B": "2", "P": "1", "D": "1"}
    assert "Жоден шлях не змінює канал." in by_gap.text  # every touchpoint is on the web
    by_cycle = client.get("/journeys/rework", params={"split": "order", "loop_contacts": "2"})
    assert _revisits(by_cycle.text) == {"B": "1"}
    assert '<option value="order" selected>' in by_cycle.text
    assert 'name="loop_contacts" min="2" max="20" value="2"' in by_cycle.text
    odd = client.get("/journeys/rework", params={"split": "week", "gap_days": "x"})
    assert odd.status_code == 200 and _revisits(odd.text) == _revisits(by_gap.text)
    journey_map = client.get("/journeys", params={"split": "order"})
    assert 'href="/journeys/rework?split=order&amp;gap_days=30' in journey_map.text


@pytest.mark.browser
def test_rework_page_in_chromium_from_the_journey_map(
    live_url: str, site: Site, browser_page: Any
) -> None:
    order_events(site.app.state.db, site.org_id)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/journeys")
    page.click("[data-testid=rework-link]")
    page.wait_for_selector("[data-testid=revisits]")
    page.select_option("select[name=split]", "order")
    page.click("[data-testid=rework-filters] button[type=submit]")
    page.wait_for_url("**/journeys/rework?**split=order**")
    rows = page.locator("[data-testid=revisits] tbody tr")
    assert rows.count() == 1 and rows.first.locator("th").inner_text() == "B"
