"""Funnels: hand-computed attempts, gaps and strict order, windows, refusals; the planted
checkout step in the small demo world."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.funnels import Funnel, FunnelQuery, funnel
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

STEPS = ("A", "Step[step=2]", "C")


def _world(db: Database) -> int:
    org = organization(db)
    with db.writer() as conn:
        for code, event, channel in (("A", "A", "web"), ("C", "C", "web"), ("X", "X", "app")):
            tp = add_touchpoint(conn, org, code, code, channel, "purchase")
            add_rule(conn, org, tp, event_name=event)
        add_rule(
            conn, org, add_touchpoint(conn, org, "S", "S", "web", "purchase"), event_name="Step"
        )

    def at(hour: int, minute: int = 0) -> str:
        return f"2026-03-{1 + hour // 24:02d}T{hour % 24:02d}:{minute:02d}:00Z"

    ingest_batch(
        db,
        org,
        [
            # u1 completes: A, step 2 one hour later, C one more hour later.
            track("1", "A", user_id="u1", timestamp=at(0), channel="web"),
            track("2", "Step", user_id="u1", timestamp=at(1), step=2),
            track("3", "C", user_id="u1", timestamp=at(2)),
            # u2: A, then X (another mapped touchpoint), then step 2 three hours after A:
            # with gaps allowed it reaches step 2; strict, X ends the attempt at step 1.
            track("4", "A", user_id="u2", timestamp=at(0), channel="app"),
            track("5", "X", user_id="u2", timestamp=at(1)),
            track("6", "Step", user_id="u2", timestamp=at(3), step=2),
            # u3: step 3 of the same event is not step 2; step 2 30 hours later is outside
            # the 24-hour window.
            track("7", "A", user_id="u3", timestamp=at(0), channel="web"),
            track("8", "Step", user_id="u3", timestamp=at(1), step=3),
            track("9", "Step", user_id="u3", timestamp=at(30), step=2),
            # u4: A twice (one attempt), step 2 at the same second as C: arrival decides,
            # step 2 then C; a second attempt days later stops at A.
            track("10", "A", user_id="u4", timestamp=at(0), channel="web"),
            track("11", "A", user_id="u4", timestamp=at(0, 10)),
            track("12", "Step", user_id="u4", timestamp=at(2), step=2),
            track("13", "C", user_id="u4", timestamp=at(2)),
            track("14", "A", user_id="u4", timestamp=at(100), channel="web"),
        ],
    )
    return org


def _run(db: Database, tmp_path: Path, org: int, q: FunnelQuery) -> Funnel:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return funnel(con, org, q)
    finally:
        analytics.close()


def test_funnel_by_hand_with_gaps_allowed(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    f = _run(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24))
    assert f.attempts == 5 and f.completed == 2
    assert [s.attempts for s in f.steps] == [5, 3, 2]
    assert [s.customers for s in f.steps] == [4, 3, 2]
    assert [s.drop_off for s in f.steps] == [2, 1, 0]
    assert f.steps[1].drop_rate == pytest.approx(1 / 3)
    assert f.steps[2].drop_rate is None
    # u1 1 h, u2 3 h, u4 2 h from A to step 2; step 2 to C: 1 h and 0 h.
    assert f.steps[1].median_hours_from_previous == pytest.approx(2.0)
    assert f.steps[2].median_hours_from_previous == pytest.approx(0.5)
    assert f.median_hours_to_complete == pytest.approx(2.0)
    assert [s.attempts for s in f.by_channel["app"]] == [1, 1, 0]
    assert [s.attempts for s in f.by_channel["web"]] == [4, 2, 2]
    assert f.drop_offs("web")[0].step == "A"


def test_strict_funnel_and_a_wider_window(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    strict = _run(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24, strict=True))
    # u2 (X between A and step 2) and u3 (step 3 of the event) break; u4 repeats A, allowed.
    assert [s.attempts for s in strict.steps] == [5, 2, 2]
    wide = _run(db, tmp_path, org, FunnelQuery(STEPS, window_hours=48))
    assert [s.attempts for s in wide.steps] == [5, 4, 2]  # u3's step 2 now counts
    empty = _run(db, tmp_path, org, FunnelQuery(STEPS, channel="store"))
    assert empty.steps == [] and empty.message and "No attempts" in empty.message


@pytest.mark.parametrize(
    ("steps", "window", "reason"),
    [
        (("A", "nowhere"), 24.0, "unknown step 'nowhere'"),
        (("A", "Nope[step=1]"), 24.0, "unknown step 'Nope[step=1]'"),
        (("A", "C"), 0.0, "longer than zero hours"),
        (("A",), 24.0, "at least two steps"),
        (tuple(["A", "C"] * 16), 24.0, "at most 30"),
    ],
)
def test_funnels_refuse_bad_steps_and_windows(
    sqlite_db: Database, tmp_path: Path, steps: tuple[str, ...], window: float, reason: str
) -> None:
    org = _world(sqlite_db)
    with pytest.raises(ValidationError) as caught:
        _run(sqlite_db, tmp_path, org, FunnelQuery(steps, window_hours=window))
    assert reason in str(caught.value)
    assert caught.value.faults[0].field in ("steps", "window_hours")


def _segment(db: Database, org: int, segments: dict[str, str]) -> None:
    from sqlalchemy import select, update

    from cxm.core.db import table
    from cxm.ingest.models import Customer, CustomerIdentity

    ident = table(CustomerIdentity)
    with db.writer() as conn:
        for user, segment in segments.items():
            cid = conn.execute(
                select(ident.c.customer_id).where(
                    (ident.c.organization_id == org) & (ident.c.value == user)
                )
            ).scalar_one()
            conn.execute(
                update(table(Customer)).where(table(Customer).c.id == cid).values(segment=segment)
            )


def test_funnel_breaks_down_by_segment_and_filters_to_one(db: Database, tmp_path: Path) -> None:
    org = _world(db)
    _segment(db, org, {"u1": "loyalty", "u2": "new", "u3": "loyalty", "u4": "new"})
    f = _run(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24))
    # Attempts: u1 complete, u2 to step 2, u3 at A; u4 complete, then u4 again at A.
    assert set(f.by_segment) == {"loyalty", "new"}
    assert [s.attempts for s in f.breakdown("segment")["loyalty"]] == [2, 1, 1]
    assert [s.attempts for s in f.breakdown("segment")["new"]] == [3, 2, 1]
    assert [s.customers for s in f.by_segment["new"]] == [2, 2, 1]
    assert f.by_segment["new"][1].conversion == pytest.approx(2 / 3)
    # loyalty loses half after A, none after step 2; new a third after A, half after step 2.
    assert [s.step for s in f.drop_offs("loyalty", by="segment")] == ["A", "Step[step=2]"]
    assert [s.step for s in f.drop_offs("new", by="segment")] == ["Step[step=2]", "A"]
    assert f.breakdown("channel") is f.by_channel
    with pytest.raises(ValidationError, match="channel or segment"):
        f.breakdown("city")
    new = _run(db, tmp_path, org, FunnelQuery(STEPS, window_hours=24, segment="new"))
    assert (new.attempts, new.completed) == (3, 1)
    assert [s.attempts for s in new.steps] == [3, 2, 1]
    assert set(new.by_segment) == {"new"}


@pytest.mark.parametrize(
    "q",
    [
        FunnelQuery(STEPS, segment="nobody"),
        FunnelQuery(STEPS, store="NOWHERE"),
        FunnelQuery(STEPS, since=date(2030, 1, 1)),
        FunnelQuery(STEPS, until=date(2020, 1, 1)),
    ],
)
def test_funnel_filters_that_match_nothing_say_so(
    sqlite_db: Database, tmp_path: Path, q: FunnelQuery
) -> None:
    org = _world(sqlite_db)
    f = _run(sqlite_db, tmp_path, org, q)
    assert (f.attempts, f.steps, f.by_channel, f.by_segment) == (0, [], {}, {})
    assert f.message == "No attempts match these filters."


def test_funnel_api_and_cli(sqlite_db: Database, tmp_path: Path) -> None:
    org = _world(sqlite_db)
    settings = Settings(data_dir=tmp_path)
    with TestClient(create_app(settings, sqlite_db)) as client:
        headers = {"Authorization": f"Bearer {api_key(sqlite_db, org)}"}
        params = [("step", s) for s in STEPS] + [("window_hours", "24")]
        body = client.get("/api/v1/analytics/funnel", params=params, headers=headers).json()
        assert [s["attempts"] for s in body["steps"]] == [5, 3, 2]
        assert body["drop_offs"]["web"][0] == "A"
        _segment(sqlite_db, org, {"u1": "loyalty", "u2": "new", "u3": "loyalty", "u4": "new"})
        only_new = client.get(
            "/api/v1/analytics/funnel", params=[*params, ("segment", "new")], headers=headers
        ).json()
        assert [s["attempts"] for s in only_new["steps"]] == [3, 2, 1]
        assert set(only_new["by_segment"]) == {"new"}
        bad = client.get(
            "/api/v1/analytics/funnel",
            params=[("step", "A"), ("step", "zzz")],
            headers=headers,
        )
        assert bad.status_code == 422 and "zzz" in bad.text


def test_planted_checkout_step_tops_the_web_drop_off_list(
    small_world: World, tmp_path: Path
) -> None:
    steps = tuple(f"Checkout Step Viewed[step={i}]" for i in range(1, 6)) + ("Order Completed",)
    f = _run(small_world.db, tmp_path, small_world.summary.organization_id, FunnelQuery(steps))
    web = f.drop_offs("web")
    assert web[0].step == f"Checkout Step Viewed[step={CHECKOUT.worst_step}]"
    assert web[0].drop_rate == pytest.approx(CHECKOUT.drop_rates[2], abs=CHECKOUT.tolerance)
    assert web[1].drop_rate is not None and web[1].drop_rate < 0.1
    # The trap: pooled over app and web, step 2 loses about as many as step 3.
    pooled = {s.step: s.drop_rate for s in f.steps}
    assert pooled["Checkout Step Viewed[step=2]"] == pytest.approx(
        CHECKOUT.pooled_drop_rates[1], abs=CHECKOUT.tolerance
    )


def test_cli_funnel_json(
    small_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from cxm.core.settings import get_settings

    url = small_world.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CXM_DATABASE_URL", url)
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    result = CliRunner().invoke(
        main,
        ["journeys", "funnel", "--step", "web_cart", "--step", "web_order",
         "--channel", "web", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["attempts"] > 100 and 0 < body["steps"][1]["conversion"] < 1
    by_segment = CliRunner().invoke(
        main,
        ["journeys", "funnel", "--step", "web_cart", "--step", "web_order",
         "--by", "segment", "--json"],
    )  # fmt: skip
    assert by_segment.exit_code == 0, by_segment.output
    grouped = json.loads(by_segment.output)
    assert set(grouped["drop_offs"]) == {"all", *grouped["by_segment"]}
    assert len(grouped["by_segment"]) >= 2
    # Every attempt of the demo's customers has a segment: the groups add up to the total.
    assert (
        sum(rows[0]["attempts"] for rows in grouped["by_segment"].values()) == (grouped["attempts"])
    )
    table = CliRunner().invoke(
        main,
        ["journeys", "funnel", "--step", "web_cart", "--step", "web_order",
         "--segment", "no-such-segment"],
    )  # fmt: skip
    assert table.exit_code == 0 and "No attempts match these filters." in table.output
