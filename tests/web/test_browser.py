"""In Chromium: log in, see the overview with real figures, switch the language."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from tests.factories import track
from tests.web.conftest import PASSWORD, Site, browser_log_in

pytestmark = pytest.mark.browser


def test_log_in_and_see_the_overview_with_figures(
    live_url: str, site: Site, browser_page: Any
) -> None:
    batch = [
        track(f"b{i}", user_id=f"u{i % 4}", channel="store" if i % 2 else "web") for i in range(12)
    ]
    r = httpx2.post(
        f"{live_url}/api/v1/batch",
        json={"batch": batch},
        headers={"Authorization": f"Bearer {site.key}"},
    )
    assert r.status_code == 200
    page = browser_page
    page.goto(live_url + "/")
    assert "/login" in page.url
    page.fill("#email", site.email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("[data-testid=events]")
    assert page.inner_text("[data-testid=events]") == "12"
    assert page.inner_text("[data-testid=customers]") == "4"
    # Charts are drawn by the bundled Chart.js: the canvas has a chart attached.
    drawn = page.evaluate("() => !!Chart.getChart(document.getElementById('chart-channel'))")
    assert drawn
    page.select_option("#language", "en")
    page.click("form[action='/language'] button")
    page.wait_for_selector("h1:has-text('Overview')")
    assert page.inner_text("[data-testid=events]") == "12"


def test_voice_search_finds_a_ukrainian_comment(
    live_url: str, site: Site, browser_page: Any
) -> None:
    items = [
        {
            "kind": "complaint",
            "text": "Коробка прийшла пом'ята, товар подряпаний",
            "occurred_at": "2026-10-03T12:00:00Z",
        },
        {"kind": "comment", "text": "All good", "occurred_at": "2026-10-04T12:00:00Z"},
    ]
    r = httpx2.post(
        f"{live_url}/api/v1/feedback",
        json={"feedback": items},
        headers={"Authorization": f"Bearer {site.key}"},
    )
    assert r.status_code == 200
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.click("nav.side >> text=Голос клієнта")
    page.fill("input[name=q]", "коробка")
    page.click("form.filters button")
    page.wait_for_selector("[data-testid=voice-total]")
    texts = page.locator(".comment-text").all_inner_texts()
    assert texts == ["Коробка прийшла пом'ята, товар подряпаний"]
