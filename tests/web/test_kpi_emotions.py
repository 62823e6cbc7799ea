"""The KPIs page's emotion overview on the small demo world: by stage or by channel, for the
page's period and channel, with the API's figures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.ingest.models import CHANNELS
from cxm.text.labels import ALL_EMOTIONS
from cxm.web.i18n import number, percent
from tests.web.conftest import Site, browser_log_in, demo_site, log_in
from tests.worlds import World

ROW = re.compile(r'<tr data-key="([^"]+)"[^>]*>(.*?)</tr>', re.S)
CELL = re.compile(r'<td data-(figure|emotion)="([^"]+)">([^<]*)</td>')


@pytest.fixture
def site(small_world: World, tmp_path: Path) -> Site:
    """An app on a copy of the small demo world, its comments read by the builtin model."""
    return demo_site(small_world, tmp_path)


def _overview(html: str) -> dict[str, dict[str, str]]:
    """The overview table's rows: each group's cells by figure or emotion name."""
    table = html[html.index('data-testid="emotion-overview"') :]
    table = table[: table.index("</table>")]
    return {
        key: {name: text.strip() for _, name, text in CELL.findall(cells)}
        for key, cells in ROW.findall(table)
    }


def test_by_channel_the_page_shows_the_apis_figures(site: Site) -> None:
    with TestClient(site.app) as client:
        log_in(client, site.email)
        html = client.get("/kpis?period=2026-Q3&channel=web&emotions=channel").text
        api = client.get(
            "/api/v1/kpis/emotions/curve",
            params={"by": "channel", "since": "2026-07-01", "until": "2026-09-30",
                    "channel": "web"},
            headers={"Authorization": f"Bearer {site.key}"},
        ).json()  # fmt: skip
        everyone = _overview(client.get("/kpis?period=2026-Q3&emotions=channel").text)
    assert 'data-by="channel"' in html
    rows = _overview(html)
    points = api["points"]
    assert len(points) >= 2 and sum(p["comments"] for p in points) >= 20
    assert list(rows) == [p["key"] for p in points]
    for p in points:
        row = rows[p["key"]]
        assert row["comments"] == number(p["comments"], "en")
        assert row["sentiment"] == f"{p['sentiment']:+.2f}"
        assert row["negative"] == percent(p["negative_share"], "en")
        for e in ALL_EMOTIONS:
            assert row[e] == percent(p["emotions"][e], "en")
    # The channel filter narrows the comments: all customers' comments are more.
    total = sum(int(r["comments"].replace(",", "")) for r in everyone.values())
    assert total > sum(p["comments"] for p in points)


def test_an_unknown_grouping_is_ignored_and_the_api_refuses_it(site: Site) -> None:
    with TestClient(site.app) as client:
        log_in(client, site.email)
        page = client.get("/kpis?period=2026-10&emotions=sideways")
        api = client.get(
            "/api/v1/kpis/emotions/curve",
            params={"by": "sideways"},
            headers={"Authorization": f"Bearer {site.key}"},
        )
    assert page.status_code == 200
    assert 'data-by="stage"' in page.text  # the default grouping, as for an unknown heatmap
    assert set(_overview(page.text)) <= {"pre_purchase", "purchase", "delivery", "use",
                                         "after_sales", "unknown"}  # fmt: skip
    assert api.status_code == 422


@pytest.mark.browser
def test_switch_the_emotions_to_by_channel_in_chromium(
    live_url: str, site: Site, browser_page: Any
) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/kpis?period=2026-Q3")
    page.wait_for_selector("[data-testid=emotion-overview][data-by=stage]")
    assert "purchase" in page.inner_text("[data-testid=emotion-overview] tbody")
    page.click("[data-testid=emotion-choice] a[data-emotions=channel]")
    page.wait_for_selector("[data-testid=emotion-overview][data-by=channel]")
    assert "emotions=channel" in page.url
    groups = page.locator("[data-testid=emotion-overview] tbody th")
    names = [groups.nth(i).inner_text().strip() for i in range(groups.count())]
    assert len(names) >= 2 and "web" in names
    rows = page.locator("[data-testid=emotion-overview] tbody tr")
    keys = {rows.nth(i).get_attribute("data-key") for i in range(rows.count())}
    assert keys <= {*CHANNELS, "unknown"} and "contact centre" in names  # translated
    # the chart was drawn: Chart.js sized the canvas, and no script failed
    width = page.eval_on_selector("#chart-emotions", "c => c.width")
    assert width > 0 and not errors
    # all nine emotion columns fit a laptop's 1,280 pixels: no sideways scrolling
    fits = "t => t.scrollWidth <= t.parentElement.clientWidth"
    assert page.eval_on_selector("[data-testid=emotion-overview]", fits)
    # the filter form keeps the choice
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=emotion-overview][data-by=channel]")
