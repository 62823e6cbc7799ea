"""The demo world's feedback, read by the builtin model, filtered to anger in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cxm.feedback.models import Feedback
from tests.web.conftest import Site, browser_log_in, demo_site
from tests.worlds import World


@pytest.fixture
def site(small_world: World, tmp_path: Path) -> Site:
    """An app on a copy of the small demo world (the shared world stays read-only)."""
    return demo_site(small_world, tmp_path)


@pytest.mark.browser
def test_filter_the_demo_comments_to_anger(
    live_url: str, site: Site, small_world: World, browser_page: Any
) -> None:
    with small_world.db.session() as s:
        loops = set(s.scalars(select(Feedback.text).where(Feedback.category == "service")))
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/voice")
    page.select_option("select[name=emotion]", "anger")
    page.click("form.filters button.primary")
    page.wait_for_selector("[data-testid=reading]")
    comments = page.locator("li.comment .comment-text")
    shown = [comments.nth(i).inner_text().strip() for i in range(comments.count())]
    assert len(shown) >= 10
    # Most angry comments on the first page are the planted contact-centre loops.
    assert sum(text in loops for text in shown) / len(shown) > 0.5
    assert page.locator("li.comment .sentiment-negative").count() > len(shown) / 2
