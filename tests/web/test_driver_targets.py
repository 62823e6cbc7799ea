"""The outcome a driver analysis explains (NPS, repeat purchase, churn) on the JSON API (and
its OpenAPI document), the moments page with its quadrants, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.cli import main
from cxm.core.settings import get_settings
from tests.analytics.test_driver_targets import targets_world
from tests.web.conftest import Site, log_in

DRIVERS = [("driver", "delayed"), ("driver", "called")]


def test_api_explains_repeat_and_churn_and_refuses_unknown_targets(
    site: Site, client: TestClient
) -> None:
    targets_world(site.app.state.db, site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}
    url = "/api/v1/analytics/drivers"
    churn = client.get(url, params=[*DRIVERS, ("target", "churn"), ("bootstrap", "0")],
                       headers=headers).json()  # fmt: skip
    assert (churn["target"], churn["unit"], churn["respondents"]) == (
        "churn", "percentage points", 160,
    )  # fmt: skip
    assert churn["drivers"][0]["name"] == "delayed"
    assert churn["drivers"][0]["adjusted_effect"] == pytest.approx(30.0)
    repeat = client.get(url, params=[*DRIVERS, ("target", "repeat")], headers=headers).json()
    assert repeat["drivers"][0]["adjusted_effect"] == pytest.approx(-30.0)
    assert repeat["intervals"]["status"] == "pending"  # its own bootstrap job
    # With churn an NPS group is allowed: nobody here answered, so no order is left.
    grouped = client.get(url, params=[*DRIVERS, ("target", "churn"), ("outcome", "promoter")],
                         headers=headers)  # fmt: skip
    assert grouped.status_code == 200 and grouped.json()["respondents"] == 0
    quads = client.get(f"{url}/quadrants", params=[*DRIVERS, ("target", "repeat")],
                       headers=headers)  # fmt: skip
    assert quads.status_code == 200 and quads.json()["target"] == "repeat"
    assert quads.json()["panels"]
    for path in (url, f"{url}/quadrants"):
        wrong = client.get(path, params={"target": "loyalty"}, headers=headers)
        assert wrong.status_code == 422 and "target" in wrong.text
        refused = client.get(path, params={"outcome": "promoter"}, headers=headers)
        assert refused.status_code == 422 and "NPS answer" in refused.text
    spec = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("drivers", "drivers/quadrants"):
        names = {p["name"] for p in spec[f"/api/v1/analytics/{path}"]["get"]["parameters"]}
        assert "target" in names, path


def test_moments_page_offers_the_outcome_to_explain(site: Site, client: TestClient) -> None:
    targets_world(site.app.state.db, site.org_id)
    log_in(client, site.email)
    page = client.get("/moments", params={"target": "churn", "also": "delayed, called"})
    assert page.status_code == 200
    assert "Що пояснювати" in page.text  # "Outcome to explain", in Ukrainian
    assert '<option value="churn" selected>' in page.text
    assert "Проаналізовано замовлень" in page.text and "Відсоткових пунктів відтоку" in page.text
    assert 'data-testid="target-level"' in page.text
    assert '<input type="hidden" name="target" value="churn">' in page.text  # quadrants form
    assert "target=churn&amp;format=csv" in page.text
    csv = client.get("/moments", params={"target": "churn", "also": "delayed", "format": "csv"})
    assert csv.status_code == 200 and "delayed" in csv.text
    default = client.get("/moments")
    assert '<option value="nps" selected>' in default.text
    odd = client.get("/moments", params={"target": "loyalty"})  # a page falls back to NPS
    assert odd.status_code == 200 and '<option value="nps" selected>' in odd.text


def test_cli_takes_target_with_json(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets_world(site.app.state.db, site.org_id)
    monkeypatch.setenv("CXM_DATABASE_URL", str(site.app.state.db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        args = ["drivers", "--org", "demo", "--driver", "delayed", "--driver", "called",
                "--bootstrap", "0"]  # fmt: skip
        done = CliRunner().invoke(main, [*args, "--target", "repeat", "--json"])
        assert done.exit_code == 0, done.output
        body = json.loads(done.stdout)
        assert body["target"] == "repeat" and body["drivers"][0]["raw_effect"] == -35.0
        table = CliRunner().invoke(main, [*args, "--target", "churn"])
        assert table.exit_code == 0, table.output
        assert "160 orders analysed, churn (last order) 40.0%" in table.output
        assert "percentage points" in table.output
        quads = CliRunner().invoke(main, ["drivers", "quadrants", "--org", "demo", "--driver",
                                          "delayed", "--target", "churn"])  # fmt: skip
        assert quads.exit_code == 0 and "explained variance of churn" in quads.output
        wrong = CliRunner().invoke(main, [*args, "--target", "loyalty"])
        assert wrong.exit_code != 0 and "--target" in wrong.output
    finally:
        get_settings.cache_clear()
