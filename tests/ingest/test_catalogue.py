"""Touchpoints and rules are editable through the API and the CLI; past events can be re-mapped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.settings import Settings, get_settings
from cxm.ingest.events import ingest_batch
from cxm.ingest.models import Event
from cxm.web.app import create_app
from tests.factories import api_key, organization, track


@pytest.fixture
def api(db: Database, tmp_path: Path) -> Iterator[tuple[TestClient, int, dict[str, str]]]:
    org = organization(db)
    app = create_app(Settings(data_dir=tmp_path), db)
    with TestClient(app) as client:
        yield client, org, {"Authorization": f"Bearer {api_key(db, org)}"}


def test_rules_added_later_map_past_events_on_remap(
    db: Database, api: tuple[TestClient, int, dict[str, str]]
) -> None:
    client, org, headers = api
    ingest_batch(
        db,
        org,
        [
            track("a", "Billing Call", channel="contact_centre", topic="bill"),
            track("b", "Billing Call", channel="contact_centre", topic="x"),
            track("c", "Odd", channel="web"),
        ],
    )
    r = client.post(
        "/api/v1/touchpoints",
        headers=headers,
        json={
            "code": "cc_billing",
            "name": "Billing call",
            "channel": "contact_centre",
            "stage": "use",
        },
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/touchpoint-rules",
        headers=headers,
        json={
            "touchpoint": "cc_billing",
            "event": "Billing Call",
            "property_key": "topic",
            "property_value": "bill",
        },
    )
    assert r.status_code == 201
    assert client.post("/api/v1/touchpoints/remap", headers=headers).json() == {"mapped": 1}
    with db.session() as s:
        unmapped = dict(s.execute(select(Event.message_id, Event.unmapped)).all())
    assert unmapped == {"a": False, "b": True, "c": True}
    listed = client.get("/api/v1/touchpoints", headers=headers).json()
    assert listed[0]["code"] == "cc_billing"
    assert listed[0]["rules"][0]["property_value"] == "bill"


def test_bad_touchpoints_and_rules_are_refused_with_the_field(
    api: tuple[TestClient, int, dict[str, str]],
) -> None:
    client, _, headers = api
    r = client.post(
        "/api/v1/touchpoints",
        headers=headers,
        json={"code": "x", "name": "X", "channel": "fax", "stage": "use"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "channel"
    r = client.post(
        "/api/v1/touchpoints",
        headers=headers,
        json={"code": "x", "name": "X", "channel": "web", "stage": "dreaming"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage"
    ok = {"code": "x", "name": "X", "channel": "web", "stage": "use"}
    assert client.post("/api/v1/touchpoints", headers=headers, json=ok).status_code == 201
    assert client.post("/api/v1/touchpoints", headers=headers, json=ok).status_code == 409
    r = client.post(
        "/api/v1/touchpoint-rules", headers=headers, json={"touchpoint": "nope", "event": "E"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "touchpoint"
    r = client.post("/api/v1/touchpoint-rules", headers=headers, json={"touchpoint": "x"})
    assert r.status_code == 422


def test_touchpoints_from_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    runner.invoke(main, ["migrate"])
    db = Database(get_settings().resolved_database_url)
    org = organization(db, "demo")
    ingest_batch(db, org, [track("a", "Store Visited", channel="store")])
    db.dispose()
    added = runner.invoke(
        main,
        [
            "touchpoints",
            "add",
            "visit",
            "Store visit",
            "--channel",
            "store",
            "--stage",
            "pre_purchase",
            "--event",
            "Store Visited",
        ],
    )
    assert added.exit_code == 0, added.output
    bad = runner.invoke(
        main, ["touchpoints", "add", "v2", "V", "--channel", "fax", "--stage", "use"]
    )
    assert bad.exit_code != 0 and "channel" in bad.output
    assert "1 events now map" in runner.invoke(main, ["touchpoints", "remap"]).output
    listed = json.loads(runner.invoke(main, ["touchpoints", "list", "--json"]).stdout)
    assert listed[0]["rules"][0]["event"] == "Store Visited"
    get_settings.cache_clear()
