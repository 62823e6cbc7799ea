"""Themes as drivers of NPS: a hand-computed case where the theme only echoes a delay, and
the demo world's planted late-delivery complaints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.drivers import DriverQuery
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings, get_settings
from cxm.demo.truths import LATE_DELIVERY
from cxm.feedback.service import ingest_feedback
from cxm.text.theme_store import read_pending_themes
from cxm.web.app import create_app
from tests.analytics.test_drivers import DELAYED, _run, _world
from tests.factories import api_key
from tests.worlds import World

LATE = "Посилка запізнюється вже на тиждень"  # delivery/late in the default taxonomy


def _comments(db: Database, org: int) -> None:
    """Orders W0-W19 (delayed; odd ones detractors, even ones passives) each get a comment
    about the late parcel; the customers of W60-W69 (on time; odd promoters, even passives)
    write the same without naming an order; u70 thanks, with no theme."""
    items = [{"kind": "complaint", "text": LATE, "order_id": f"W{i}",
              "customer": {"user_id": f"u{i}"}, "occurred_at": "2026-04-03T10:00:00Z"}
             for i in range(20)]  # fmt: skip
    items += [{"kind": "complaint", "text": LATE, "customer": {"user_id": f"u{i}"},
               "occurred_at": "2026-04-03T10:00:00Z"} for i in range(60, 70)]  # fmt: skip
    items.append({"kind": "comment", "text": "Дякую, все добре", "customer": {"user_id": "u70"},
                  "occurred_at": "2026-04-03T10:00:00Z"})  # fmt: skip
    result = ingest_feedback(db, org, items)
    assert result.accepted == len(items), result
    read_pending_themes(db, org)


def test_a_theme_that_echoes_a_delay_by_hand(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    _comments(db, org)
    theme = "theme:delivery/late"
    alone = _run(db, tmp_path, org, DriverQuery(drivers=(theme,), bootstrap=0))
    [d] = alone.drivers
    # With the theme: 20 delayed (10 x -100, 10 x 0) and 10 on time (5 x 0, 5 x +100):
    # -500 / 30. Without: 40 delayed (20 x -100, 20 x 0), 80 on time (40 x +100, 40 x 0):
    # +2000 / 120.
    assert d.respondents_with == 30
    assert d.raw_effect == pytest.approx(-500 / 30 - 2000 / 120)
    assert d.adjusted_effect == pytest.approx(d.raw_effect)  # nothing else to adjust for
    both = _run(db, tmp_path, org, DriverQuery(drivers=("delayed", theme), bootstrap=0))
    by = {x.name: x for x in both.drivers}
    # Within delayed orders and within on-time ones the theme changes nothing (-50 and +50
    # either way): adjusted for the delay its effect is nil, the delay's is -100.
    assert by[theme].adjusted_effect == pytest.approx(0.0, abs=1e-9)
    assert by["delayed"].adjusted_effect == pytest.approx(-100.0)
    assert by["delayed"].respondents_with == DELAYED
    top = _run(db, tmp_path, org, DriverQuery(drivers=("delayed", "theme:delivery"), bootstrap=0))
    assert {x.name: x.respondents_with for x in top.drivers}["theme:delivery"] == 30
    none = _run(db, tmp_path, org, DriverQuery(drivers=("delayed", "theme:store"), bootstrap=0))
    assert none.drivers[-1].note and "0 of 150" in none.drivers[-1].note


def test_theme_drivers_on_the_cli_and_api_and_bad_names(
    sqlite_db: Database, tmp_path: Path
) -> None:
    org = _world(sqlite_db)
    _comments(sqlite_db, org)
    with pytest.raises(ValidationError) as bad:
        DriverQuery(drivers=("theme:Delivery Late",)).check()
    assert "theme:delivery/late" in str(bad.value)
    with TestClient(create_app(Settings(data_dir=tmp_path), sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        ok = client.get(
            "/api/v1/analytics/drivers",
            params={"driver": ["delayed", "theme:delivery/late"], "bootstrap": 0},
            headers=headers,
        ).json()
        by = {d["name"]: d for d in ok["drivers"]}
        assert by["theme:delivery/late"]["raw_effect"] == pytest.approx(-100 / 3)
        refused = client.get("/api/v1/analytics/drivers", headers=headers,
                             params={"driver": "theme:../x"})  # fmt: skip
        assert refused.status_code == 422 and "theme:KEY" in refused.text


def test_the_demo_worlds_late_delivery_complaints_echo_late_orders(
    small_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    db = Database(copy)
    org = small_world.summary.organization_id
    read_pending_themes(db, org)
    theme = "theme:delivery/late"
    q = DriverQuery(drivers=(theme,), bootstrap=0)
    alone = {d.name: d for d in _run(db, tmp_path / "a", org, q).drivers}[theme]
    # 30% of late orders bring a complaint about it (truths.COMPLAINTS), written whatever the
    # customer's score: customers who wrote it score below the rest, like late orders do
    # (the planted raw effect of lateness lies in the interval). Only about 30 respondents
    # wrote it, so the interval is about 60 points wide and may just reach zero.
    assert alone.raw_effect is not None and alone.raw_effect < -15
    assert alone.raw_low is not None and alone.raw_high is not None
    assert alone.raw_low < LATE_DELIVERY.nps_effect_raw < alone.raw_high < 15
    with_late = DriverQuery(drivers=("late", "contact_loop", theme), bootstrap=0)
    found = {d.name: d for d in _run(db, tmp_path / "b", org, with_late).drivers}
    # ...and once lateness is a driver, the complaint adds nothing of its own.
    adjusted = found[theme]
    assert adjusted.adjusted_low is not None and adjusted.adjusted_high is not None
    assert adjusted.adjusted_low < 0 < adjusted.adjusted_high and not adjusted.significant
    assert found["late"].significant and found["late"].adjusted_high is not None
    assert found["late"].adjusted_high < 0
    monkeypatch.setenv("CXM_DATABASE_URL", str(db.engine.url))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    try:
        cli = CliRunner().invoke(main, ["drivers", "--theme", "delivery/late", "--bootstrap", "0",
                                        "--json"])  # fmt: skip
        table_out = CliRunner().invoke(main, ["drivers", "--theme", "delivery/late",
                                              "--bootstrap", "0"])  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert cli.exit_code == 0, cli.output
    names = [d["name"] for d in json.loads(cli.output)["drivers"]]
    assert sorted(names) == sorted(["late", "contact_loop", "returned", theme])
    assert table_out.exit_code == 0 and theme in table_out.output
    db.dispose()
