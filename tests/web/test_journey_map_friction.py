"""The friction list's findings on the journey map: drop-off and effort colour their
touchpoints, negative emotion marks its stage (hand-made sections), and the small demo
world's planted checkout step colours the web checkout, on the page and in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxm.analytics.emotion_curve import CurvePoint
from cxm.analytics.friction_dropoff import DropOff
from cxm.analytics.friction_effort import EffortPoint
from cxm.analytics.friction_emotion import EmotionPoint
from cxm.analytics.journey_map import Node
from cxm.analytics.journeys import Edge
from cxm.analytics.map_friction import MapFriction
from cxm.analytics.stats import Estimate
from cxm.core.auth import create_user
from cxm.core.settings import Settings
from cxm.demo.truths import CHECKOUT
from cxm.web.app import create_app
from cxm.web.journey_graph import layout
from tests.factories import api_key
from tests.web.conftest import PASSWORD, Site, browser_log_in, csrf_of, log_in
from tests.worlds import World

STEP = f"Checkout Step Viewed[step={CHECKOUT.worst_step}]"


def _drop(touchpoint: str, step: str) -> DropOff:
    return DropOff(touchpoint, "web", step, "next", [step, "next"], 12.0, 100, 40, 35, 0.4,
                   0.3, 0.5, 0.06, 0.001, True)  # fmt: skip


def test_drop_off_and_effort_colour_touchpoints_and_emotion_marks_its_stage() -> None:
    edges = [Edge("A", "B", 10, 10, 1.0, 2.0, 3.0), Edge("B", "C", 9, 9, 0.9, 2.0, 3.0)]
    nodes = [Node("A", 10, 10, 0, 0.0), Node("B", 10, 10, 0, 0.0), Node("C", 9, 9, 0, 0.05)]
    stage_of = {"A": "pre_purchase", "B": "purchase", "C": "after_sales"}
    hard = EffortPoint("C", "web", "after_sales", 5.0, 30, 20, 3.1, 2.5, 3.7, 5.2, 0.3, 0.7,
                       0.01, True)  # fmt: skip
    unhappy = EmotionPoint("purchase", 4.0, 20, 25, 15, 0.6, 0.4, 0.8, 0.2, -0.4, -0.6, -0.2,
                           "anger", 0.5, 0.01, True)  # fmt: skip
    marks = MapFriction({"B": [_drop("B", "B[step=2]")]}, {"C": hard}, {"purchase": unhappy})
    curve = [
        CurvePoint(s, 5, Estimate(v, 5, None, None), Estimate(0.1, 5, None, None))
        for s, v in (("pre_purchase", 0.5), ("purchase", -0.4))
    ]
    d = layout(edges, nodes, stage_of, None, curve, marks)
    why = {n.node.step: n.friction for n in d.nodes}
    # No touchpoint ends 10 % of the journeys: the sections alone colour B and C.
    assert why == {"A": [], "B": ["drop_off"], "C": ["effort"]}
    assert list(d.unhappy) == ["purchase"]
    assert [m.stage for m in d.curve if m.unhappy] == ["purchase"]
    # Without the sections' findings nothing is coloured.
    plain = layout(edges, nodes, stage_of, None, curve)
    assert not any(n.friction for n in plain.nodes) and not plain.unhappy


@pytest.fixture
def site(small_world: World, tmp_path: Path) -> Site:
    """An app on a copy of the small demo world (the shared world stays read-only)."""
    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    app = create_app(Settings(data_dir=tmp_path, database_url=copy))
    org_id = small_world.summary.organization_id
    email = "olena@example.com"
    with app.state.db.session() as s:
        create_user(s, org_id, email, PASSWORD, name="Olena", language="en")
    return Site(app, org_id, email, api_key(app.state.db, org_id))


def test_the_planted_checkout_step_colours_the_web_checkout(site: Site, client: TestClient) -> None:
    log_in(client, site.email)
    page = client.get("/journeys")
    assert page.status_code == 200
    text = page.text
    start = text.index('data-step="web_checkout"')
    node = text[text.rindex("<a ", 0, start) : text.index("</a>", start)]
    assert 'class="node friction"' in node and "drop_off" in node
    assert f"Unusual drop-off at {STEP}:" in node
    assert 'data-testid="map-legend"' in text
    # The app checkout's steps lose 5 % each, like the others: not coloured for drop-off.
    app_start = text.index('data-step="app_checkout"')
    app_node = text[text.rindex("<a ", 0, app_start) : text.index("</a>", app_start)]
    assert "drop_off" not in app_node
    # In Ukrainian the reason is translated and the step's label kept (the map is cached).
    token = csrf_of(client.get("/").text)
    client.post("/language", data={"csrf_token": token, "language": "uk", "next": "/"})
    uk = client.get("/journeys").text
    assert f"Незвичний відтік на кроці {STEP}:" in uk and "Unusual drop-off" not in uk


@pytest.mark.browser
def test_the_flagged_checkout_node_is_drawn_in_the_friction_colour(
    live_url: str, site: Site, browser_page: Any
) -> None:
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/journeys")
    page.wait_for_selector("[data-testid=journey-graph]", timeout=120_000)
    node = page.locator("[data-testid=graph-node][data-step=web_checkout]")
    assert "drop_off" in (node.get_attribute("data-friction") or "")
    assert "friction" in (node.get_attribute("class") or "").split()
    # The friction colour is what the browser paints: amber fill and stroke.
    fill, stroke = node.locator("rect").evaluate(
        "r => [getComputedStyle(r).fill, getComputedStyle(r).stroke]"
    )
    assert (fill, stroke) == ("rgb(255, 247, 230)", "rgb(217, 139, 0)")
    plain = page.locator("[data-testid=graph-node]:not(.friction) rect").first
    assert plain.evaluate("r => getComputedStyle(r).fill") == "rgb(230, 238, 248)"
    assert page.locator("[data-testid=map-legend] li").count() == 4
