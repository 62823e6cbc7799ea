"""The demo world's feedback, read by the builtin model, filtered to anger in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cxm.core.auth import create_user
from cxm.core.settings import Settings
from cxm.feedback.models import Feedback
from cxm.text.enrichment import enrich_pending, load_model, model_path
from cxm.web.app import create_app
from tests.factories import api_key
from tests.web.conftest import PASSWORD, Site, browser_log_in
from tests.worlds import World


@pytest.fixture
def site(small_world: World, tmp_path: Path) -> Site:
    """An app on a copy of the small demo world (the shared world stays read-only)."""
    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    app = create_app(Settings(data_dir=tmp_path, database_url=copy))
    db = app.state.db
    org_id = small_world.summary.organization_id
    enrich_pending(db, org_id, load_model(model_path(tmp_path, org_id)))
    email = "olena@example.com"
    with db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Olena", language="en")
    return Site(app, org_id, email, api_key(db, org_id))


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
