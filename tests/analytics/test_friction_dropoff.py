"""Drop-off friction: a hand-computed form whose second step loses half its attempts, the
filters, and the planted checkout step on top in the small demo world (the list, the API and
the CLI)."""

from __future__ import annotations

import json
import statistics
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_dropoff import DropOffList, drop_offs
from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.demo.truths import CHECKOUT
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.web.app import create_app
from tests.factories import api_key, organization, track
from tests.worlds import World

# Of 40 people starting the form: 2 leave at step 1, 20 at step 2, 1 at step 3.
LEFT_AT = [1] * 2 + [2] * 20 + [3] * 1 + [4] * 17


def form_world(db: Database, org: int | None = None, event: str = "Form Step") -> int:
    org = org or organization(db)
    with db.writer() as conn:
        for code, name in (("form", event), ("page", "Page Viewed"), ("one", "Once")):
            add_rule(conn, org, add_touchpoint(conn, org, code, code, "web", "purchase"),
                     event_name=name)  # fmt: skip
    messages = []
    for person, last in enumerate(LEFT_AT):
        for step in range(1, last + 1):
            minute = f"2026-03-{1 + person % 20:02d}T10:{step:02d}:00Z"
            messages.append(
                track(
                    f"{person}-{step}", event, user_id=f"u{person}", timestamp=minute, step=step
                )  # fmt: skip
            )
        # Events without a step number, or always the same one, make no funnel.
        messages.append(track(f"{person}-p", "Page Viewed", user_id=f"u{person}", page=1))
        messages.append(track(f"{person}-o", "Once", user_id=f"u{person}", step=1))
    ingest_batch(db, org, messages)
    return org


def _run(db: Database, tmp_path: Path, org: int, **filters: object) -> DropOffList:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return drop_offs(con, org, **filters)  # type: ignore[arg-type]
    finally:
        analytics.close()


def test_the_step_that_loses_half_its_attempts_tops_the_list(db: Database, tmp_path: Path) -> None:
    org = form_world(db)
    found = _run(db, tmp_path, org)
    assert [f.touchpoint for f in found.funnels] == ["form"]
    assert [d.step for d in found.steps] == [
        "Form Step[step=2]",
        "Form Step[step=3]",
        "Form Step[step=1]",
    ]
    top = found.steps[0]
    assert (top.attempts, top.dropped, top.customers) == (38, 20, 20)
    assert top.next_step == "Form Step[step=3]" and top.unusual
    peer = statistics.median([2 / 40, 1 / 18])
    assert top.peer_rate == pytest.approx(peer)
    assert top.score == pytest.approx(38 * (20 / 38 - peer))
    assert top.drop_low is not None and top.drop_low > peer
    assert top.p_value is not None and top.p_value < 0.05
    # The other two are listed after it, unscored, saying why.
    assert all(d.score is None and not d.unusual and d.note for d in found.steps[1:])
    assert found.steps[1].drop_rate == pytest.approx(1 / 18)


def test_filters_that_match_nothing_say_so(db: Database, tmp_path: Path) -> None:
    org = form_world(db)
    later = _run(db, tmp_path, org, since=date(2026, 4, 1))
    assert later.steps == [] and later.message == "No attempts match these filters."
    app = _run(db, tmp_path, org, channel="app")
    assert app.steps == [] and app.message and "step" in app.message


def test_the_planted_checkout_step_tops_the_drop_off_list(
    small_world: World, tmp_path: Path
) -> None:
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    with analytics.fresh() as con:
        found = friction(con, small_world.summary.organization_id, FrictionQuery())
    analytics.close()
    steps = found.drop_offs.steps
    top = steps[0]
    worst = f"Checkout Step Viewed[step={CHECKOUT.worst_step}]"
    assert (top.touchpoint, top.channel, top.step, top.unusual) == (
        "web_checkout",
        "web",
        worst,
        True,
    )
    planted = CHECKOUT.drop_rates[CHECKOUT.worst_step - 1]
    assert abs(top.drop_rate - planted) < CHECKOUT.tolerance
    assert top.peer_rate is not None and top.peer_rate < 0.08
    # Only the planted step is scored: the others lose what a typical step loses.
    assert [d.step for d in steps if d.score is not None] == [worst]
    # The app's checkout is its own funnel, not pooled with the web's by step number.
    assert {d.touchpoint for d in steps} == {"web_checkout", "app_checkout"}


def test_api_and_cli_list_the_checkout_step_with_its_funnel(
    small_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxm.core.settings import get_settings

    db, org = small_world.db, small_world.summary.organization_id
    worst = f"Checkout Step Viewed[step={CHECKOUT.worst_step}]"
    with TestClient(create_app(Settings(data_dir=tmp_path), db)) as client:
        headers = {"Authorization": f"Bearer {api_key(db, org, 'dropoff')}"}
        body = client.get(
            "/api/v1/analytics/friction", params={"since": "2026-01-01"}, headers=headers
        ).json()
        top = body["drop_offs"]["steps"][0]
        assert top["step"] == worst and top["score"] > 0
        assert top["funnel_url"].startswith("/api/v1/analytics/funnel?step=Checkout+Step")
        assert "channel=web" in top["funnel_url"] and "since=2026-01-01" in top["funnel_url"]
        behind = client.get(top["funnel_url"], headers=headers).json()
        assert behind["drop_offs"]["all"][0] == worst
        refused = client.get(
            "/api/v1/analytics/friction", params={"funnel": "A > Teleport"}, headers=headers
        )
        assert refused.status_code == 422 and "Teleport" in refused.text
        spec = client.get("/api/v1/openapi.json").json()
        described = spec["paths"]["/api/v1/analytics/friction"]["get"]["description"]
        assert "drop_offs" in described and "funnel_url" in described
    monkeypatch.setenv("CXM_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["friction", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["drop_offs"]["steps"]
    assert listed[0]["step"] == worst
    given = CliRunner().invoke(
        main, ["friction", "--json", "--funnel", f"{worst} > Order Completed", "--funnel", "x > y"]
    )
    assert given.exit_code != 0 and "unknown step 'x'" in given.output
    table = CliRunner().invoke(main, ["friction"])
    assert table.exit_code == 0 and "Drop-off" in table.output and worst in table.output


def test_a_funnel_given_joins_the_peers_and_unknown_steps_are_refused(
    db: Database, tmp_path: Path
) -> None:
    org = form_world(db)
    found = _run(db, tmp_path, org, given=("Form Step[step=1] > Form Step[step=4]",))
    top = found.steps[0]
    # 40 start, 17 reach step 4: 23 lost; its peers are the form's three steps.
    assert (top.touchpoint, top.channel, top.step, top.attempts, top.dropped) == (
        "",
        None,
        "Form Step[step=1]",
        40,
        23,
    )
    peer = statistics.median([2 / 40, 20 / 38, 1 / 18])
    assert top.peer_rate == pytest.approx(peer)
    assert top.score == pytest.approx(40 * (23 / 40 - peer))
    assert found.steps[1].step == "Form Step[step=2]" and found.steps[1].unusual
    with pytest.raises(ValidationError, match="Teleport"):
        _run(db, tmp_path, org, given=("Form Step[step=1] > Teleport",))
