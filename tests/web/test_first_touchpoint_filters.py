"""First touchpoint and outcome on the friction and moments pages, their JSON API (and its
OpenAPI document) and the CLI: the same orders as the analysis keeps, the refusals said."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.cli import main
from cxm.core.settings import get_settings
from tests.analytics.test_first_touchpoint import first_world
from tests.web.conftest import Site, browser_log_in, log_in


def _order_point(body: dict[str, object]) -> dict[str, object]:
    points = body["points"]
    assert isinstance(points, list)
    return next(p for p in points if p["name"] == "order")


def test_api_keeps_the_orders_whose_journey_starts_there_and_refuses_outcome_for_drivers(
    site: Site, client: TestClient
) -> None:
    first_world(site.app.state.db, site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}
    url = "/api/v1/analytics/friction"
    # "order" (every order passed it) as a candidate: its orders are the orders kept.
    cases = [
        ({}, 5),
        ({"first": "ad"}, 2),
        ({"first": "visit"}, 1),
        ({"outcome": "promoter"}, 2),
        ({"first": "ad", "outcome": "detractor"}, 0),
        # A 60-day gap joins u3's ad to W3's journey; a one-day gap parts every ad from its order.
        ({"first": "ad", "gap_days": 60}, 3),
        ({"first": "order", "gap_days": 1}, 5),
    ]
    for params, orders in cases:
        body = client.get(url, params={"touchpoint": "order", **params}, headers=headers).json()
        point = _order_point(body)
        assert point["orders"] == orders, params
        evidence_url = str(point["evidence_url"])
        for key, value in params.items():
            assert f"{key}={value}" in evidence_url
        if orders:
            assert client.get(evidence_url, headers=headers).json()["orders"] == orders
    under = client.get(url, params={"touchpoint": "order", "outcome": "promoter"}, headers=headers)
    assert "No NPS effect under an outcome filter" in under.json()["message"]
    for path in ("/api/v1/analytics/drivers", "/api/v1/analytics/drivers/quadrants"):
        refused = client.get(path, params={"outcome": "promoter"}, headers=headers)
        assert refused.status_code == 422
        assert "outcome" in refused.text and "NPS answer" in refused.text
    unknown = client.get(url, params={"first": "nowhere"}, headers=headers)
    assert unknown.status_code == 422 and "first: no touchpoint 'nowhere'" in unknown.text
    wrong = client.get(url, params={"outcome": "happy"}, headers=headers)
    assert wrong.status_code == 422 and "outcome" in wrong.text
    no_gap = client.get(url, params={"first": "ad", "gap_days": 0}, headers=headers)
    assert no_gap.status_code == 422 and "gap_days" in no_gap.text
    spec = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("drivers", "drivers/quadrants", "friction", "friction/evidence"):
        names = {p["name"] for p in spec[f"/api/v1/analytics/{path}"]["get"]["parameters"]}
        assert {"first", "outcome", "gap_days"} <= names, path


def test_pages_keep_the_chosen_filters_and_carry_them_to_the_evidence(
    site: Site, client: TestClient
) -> None:
    first_world(site.app.state.db, site.org_id)
    log_in(client, site.email)
    page = client.get("/friction", params={"first": "ad", "outcome": "promoter"})
    assert page.status_code == 200
    assert '<option value="ad" selected>' in page.text
    assert '<option value="promoter" selected>' in page.text
    # The reason, and each row's note, in the user's language (Ukrainian).
    assert "Ефект на NPS не рахується з фільтром за результатом" in page.text
    assert "немає ефекту на NPS з фільтром за результатом" in page.text
    links = [
        chunk.rsplit('href="', 1)[1].split('"')[0]
        for chunk in page.text.split('data-testid="evidence-link"')[:-1]
    ]
    assert links and all("first=ad&amp;outcome=promoter" in link for link in links)
    evidence = client.get(links[0].replace("&amp;", "&"))
    assert evidence.status_code == 200 and "first=ad&amp;outcome=promoter" in evidence.text
    unknown = client.get("/friction", params={"first": "nowhere"})
    assert unknown.status_code == 422 and "nowhere" in unknown.text
    wider = client.get("/friction", params={"first": "ad", "gap_days": 60, "touchpoint": "order"})
    assert 'name="gap_days" min="1" max="365" value="60"' in wider.text
    link = wider.text.split('data-testid="evidence-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "first=ad" in link and "gap_days=60" in link
    behind = client.get(link.replace("&amp;", "&").replace("name=late", "name=returned"))
    assert behind.status_code == 200 and "gap_days=60" in behind.text
    moments = client.get("/moments", params={"first": "visit", "outcome": "detractor"})
    assert moments.status_code == 200
    assert '<option value="visit" selected>' in moments.text
    assert "Аналіз чинників пояснює відповідь NPS" in moments.text


def test_cli_takes_first_and_outcome_with_json(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_world(site.app.state.db, site.org_id)
    monkeypatch.setenv("CXM_DATABASE_URL", str(site.app.state.db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        args = ["friction", "--org", "demo", "--touchpoint", "order", "--json"]
        kept = CliRunner().invoke(main, [*args, "--first", "ad"])
        assert kept.exit_code == 0, kept.output
        assert _order_point(json.loads(kept.stdout))["orders"] == 2
        wider = CliRunner().invoke(main, [*args, "--first", "ad", "--gap-days", "60"])
        assert _order_point(json.loads(wider.stdout))["orders"] == 3
        grouped = CliRunner().invoke(main, [*args, "--outcome", "detractor"])
        assert _order_point(json.loads(grouped.stdout))["orders"] == 1
        refused = CliRunner().invoke(main, ["drivers", "--org", "demo", "--outcome", "passive"])
        assert refused.exit_code != 0 and "outcome" in refused.output
        unknown = CliRunner().invoke(main, [*args, "--first", "nowhere"])
        assert unknown.exit_code != 0 and "first: no touchpoint 'nowhere'" in unknown.output
    finally:
        get_settings.cache_clear()


@pytest.mark.browser
def test_friction_form_in_chromium_keeps_the_first_touchpoint_and_outcome_chosen(
    live_url: str, site: Site, browser_page: Any
) -> None:
    first_world(site.app.state.db, site.org_id)
    page = browser_page
    browser_log_in(page, live_url, site.email)
    page.wait_for_selector("h1")
    page.goto(live_url + "/friction")
    form = page.locator("form.filters")
    form.locator("select[name=first]").select_option("visit")
    form.locator("select[name=outcome]").select_option("detractor")
    form.locator("button.primary").click()
    page.wait_for_url("**/friction?**first=visit**")
    assert page.locator("select[name=first]").input_value() == "visit"
    assert page.locator("select[name=outcome]").input_value() == "detractor"
    link = page.locator("[data-testid=evidence-link]").first.get_attribute("href") or ""
    assert "first=visit" in link and "outcome=detractor" in link
