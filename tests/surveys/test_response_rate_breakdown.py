"""Response rates by store and by trigger: hand-counted invitations, and the demo's stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from statsmodels.stats.proportion import proportion_confint

from cxm.core.bulk import insert_returning_ids
from cxm.core.db import Database, table
from cxm.demo.invitations import QR_ANSWER, STORE_ANSWERING, TRIGGERS
from cxm.ingest.models import Location
from cxm.surveys.models import (
    Invitation,
    PageView,
    Response,
    SurveyLink,
    SurveyVersion,
    Trigger,
)
from cxm.surveys.response_rate import response_rates
from cxm.surveys.service import import_survey
from tests.factories import organization, store_location
from tests.surveys.test_response_rate import _respond, wilson
from tests.web.conftest import Site, log_in
from tests.worlds import World

SENT = datetime(2026, 10, 10, 9, tzinfo=UTC)
ONE_PAGE = {
    "languages": ["en"],
    "questions": [{"id": "nps", "type": "nps", "required": True, "text": {"en": "Recommend?"}}],
}


def sent_and_answered(db: Database, org: int) -> None:
    """KYIV-1 after purchase: 1 of 4 answered; LVIV-1 after purchase: 2 of 3; after a call
    (no store): 0 of 2; a recurring run: 1 of 1; by hand: 0 of 1. KYIV-1's counter QR code:
    4 views and 2 anonymous answers; the survey's plain link: 2 views and 1 answer."""
    import_survey(db, org, ONE_PAGE, code="pulse")
    kyiv, lviv = store_location(db, org, "KYIV-1"), store_location(db, org, "LVIV-1")
    with db.writer() as conn:
        survey = conn.execute(select(table(SurveyVersion).c.survey_id)).scalar_one()
        purchase, call = insert_returning_ids(
            conn,
            table(Trigger),
            [
                {
                    "organization_id": org,
                    "code": code,
                    "survey_id": survey,
                    "delay_hours": 1,
                    "sample_rate": 1,
                    "fatigue_days": 0,
                    "cooldown_days": 0,
                    "active": True,
                    "last_event_id": 0,
                    "created_at": SENT,
                }
                for code in ("after-purchase", "after-call")
            ],
        )
        plan = [
            (kyiv, purchase, None, [True, False, False, False]),
            (lviv, purchase, None, [True, True, False]),
            (None, call, None, [False, False]),
            (None, None, 7, [True]),
            (None, None, None, [False]),
        ]
        for location, trigger, schedule, answered in plan:
            for done in answered:
                (link,) = insert_returning_ids(
                    conn,
                    table(SurveyLink),
                    [
                        {
                            "organization_id": org,
                            "survey_id": survey,
                            "hidden": {},
                            "location_id": location,
                            "created_at": SENT,
                            "expires_at": SENT + timedelta(days=30),
                        }
                    ],
                )
                conn.execute(
                    insert(table(Invitation)).values(
                        organization_id=org,
                        survey_id=survey,
                        channel="email",
                        status="sent",
                        reason="sent",
                        link_id=link,
                        created_at=SENT,
                        trigger_id=trigger,
                        schedule_id=schedule,
                    )
                )
                if done:
                    _respond(conn, org, survey, SENT + timedelta(hours=2), link)
        views = [("qr", "KYIV-1", 4), ("link", "", 2)]
        conn.execute(
            insert(table(PageView)),
            [
                {"survey_id": survey, "day": SENT.date(), "source": source, "store": store,
                 "count": n}
                for source, store, n in views
            ],
        )  # fmt: skip
        version = conn.execute(select(table(SurveyVersion).c.id)).scalar_one()
        conn.execute(
            insert(table(Response)),
            [
                {"organization_id": org, "survey_id": survey, "version_id": version,
                 "location_id": location, "status": "complete", "started_at": SENT,
                 "completed_at": SENT, "sync_mark": 0}
                for location in (kyiv, kyiv, None)
            ],
        )  # fmt: skip


def _rates(rows: list[Any]) -> dict[str, tuple[int, int, int, int]]:
    return {r.key: (r.answered, r.sent, r.anonymous_responses, r.views) for r in rows}


def test_rates_by_store_and_by_trigger_by_hand(db: Database) -> None:
    org = organization(db)
    sent_and_answered(db, org)
    by_store = response_rates(db, org, "pulse", "all", breakdown="store")
    assert _rates(by_store) == {
        "KYIV-1": (1, 4, 2, 4),
        "LVIV-1": (2, 3, 0, 0),
        "(no store)": (1, 4, 1, 2),
    }
    by_trigger = response_rates(db, org, "pulse", "month", breakdown="trigger")
    assert {r.period for r in by_trigger} == {"2026-10"}
    assert _rates(by_trigger) == {
        "after-purchase": (3, 7, 0, 0),
        "after-call": (0, 2, 0, 0),
        "(recurring)": (1, 1, 0, 0),
        "(by hand)": (0, 1, 0, 0),
        "(anonymous links)": (0, 0, 3, 6),
    }
    rows = {r.key: r for r in by_store + by_trigger}
    lviv, kyiv = rows["LVIV-1"], rows["KYIV-1"]
    assert lviv.rate == pytest.approx(2 / 3) and lviv.view_rate is None
    assert (lviv.rate_low, lviv.rate_high) == pytest.approx(wilson(2, 3))
    assert kyiv.view_rate == pytest.approx(2 / 4)
    assert (kyiv.view_rate_low, kyiv.view_rate_high) == pytest.approx(wilson(2, 4))
    assert (rows["after-purchase"].rate_low, rows["after-purchase"].rate_high) == (
        pytest.approx(wilson(3, 7))
    )
    anonymous = rows["(anonymous links)"]
    assert anonymous.rate is None and anonymous.view_rate == pytest.approx(3 / 6)
    assert (anonymous.view_rate_low, anonymous.view_rate_high) == pytest.approx(wilson(3, 6))
    # Without a breakdown the same answers make one row per survey and period.
    [(whole)] = response_rates(db, org, "pulse", "all")
    assert (whole.key, whole.answered, whole.sent, whole.views) == ("all", 4, 11, 6)


def test_rates_by_region_language_and_segment_by_hand(db: Database) -> None:
    org = organization(db)
    sent_and_answered(db, org)
    with db.writer() as conn:
        links = table(SurveyLink)
        kyiv = select(table(Location).c.id).where(table(Location).c.code == "KYIV-1")
        conn.execute(
            update(links).where(links.c.location_id == kyiv.scalar_subquery()).values(language="uk")
        )
    # Both stores lie in one region; the QR views and answers count under it too.
    assert _rates(response_rates(db, org, "pulse", "all", breakdown="region")) == {
        "Lviv Oblast": (3, 7, 2, 4),
        "(no store)": (1, 4, 1, 2),
    }
    assert _rates(response_rates(db, org, "pulse", "all", breakdown="language")) == {
        "uk": (1, 4, 0, 0),
        "(unknown)": (3, 7, 0, 0),
        "(anonymous links)": (0, 0, 3, 6),
    }
    # No invitation here names a customer, so none has a segment.
    assert _rates(response_rates(db, org, "pulse", "all", breakdown="segment")) == {
        "(unknown)": (4, 11, 0, 0),
        "(anonymous links)": (0, 0, 3, 6),
    }


def test_a_counter_codes_views_count_under_its_store_when_it_is_known(
    client: TestClient, site: Site
) -> None:
    db = site.app.state.db
    import_survey(db, site.org_id, ONE_PAGE, code="pulse")
    store_location(db, site.org_id, "KYIV-1")
    TestClient(site.app).get("/s/demo/pulse?store=KYIV-1&channel=store")
    TestClient(site.app).get("/s/demo/pulse?store=NOWHERE-9&channel=store")
    client.get("/api/v1/answers/demo/pulse", params={"store": "KYIV-1", "channel": "store"})
    with db.session() as s:
        counted = sorted((v.source, v.store, v.count) for v in s.scalars(select(PageView)))
    assert counted == [("qr", "", 1), ("qr", "KYIV-1", 2)]


def test_rate_breakdowns_through_the_cli_the_api_and_the_page(
    client: TestClient, site: Site
) -> None:
    db = site.app.state.db
    sent_and_answered(db, site.org_id)
    headers = {"Authorization": f"Bearer {site.key}"}
    api = client.get("/api/v1/response-rates?by=all&breakdown=trigger", headers=headers).json()
    assert {r["key"]: r["sent"] for r in api}["after-purchase"] == 7
    bad = client.get("/api/v1/response-rates?breakdown=weather", headers=headers)
    assert bad.status_code == 422

    from cxm.cli import main

    base = ["--database-url", str(db.engine.url), "surveys", "rate", "--by", "all"]
    shown = CliRunner().invoke(main, [*base, "--breakdown", "store"])
    assert shown.exit_code == 0, shown.output
    assert "LVIV-1" in shown.output and "invitations 2/3 66.7%" in shown.output
    as_json = CliRunner().invoke(main, [*base, "--breakdown", "trigger", "--json"])
    assert {r["key"] for r in json.loads(as_json.output)} >= {"(recurring)", "(by hand)"}

    log_in(client, site.email)
    page = client.get("/surveys/distribution?rates=store").text
    assert "LVIV-1" in page and "(no store)" in page


def test_the_demo_stores_answer_at_their_planted_rates(small_world: World) -> None:
    """Planted: after a store purchase 20 % of invitations are answered, times the store's
    readiness (KYIV-1 1.1 ... VINNYTSIA-1 1.4): 20-28 %; a quarter of the counter QR code's
    views become answers. Each store's rates must hold their planted values within 99.9 %
    Wilson intervals (a hundred or more invitations per store)."""
    db, org = small_world.db, small_world.summary.organization_id
    by_trigger = {r.key: r for r in response_rates(db, org, None, "all", breakdown="trigger")}
    assert {t.code for t in TRIGGERS} <= set(by_trigger)
    # Every anonymous view names the store its link named, so no store's answers lack views.
    for r in response_rates(db, org, None, "all", breakdown="store"):
        assert r.anonymous_responses <= r.views, (r.survey, r.key)
    by_store = [r for r in response_rates(db, org, "post-purchase", "all", breakdown="store")
                if r.key != "(no store)"]  # fmt: skip
    assert len(by_store) >= 4
    base = next(t.answer_rate for t in TRIGGERS if t.code == "store-purchase")
    for row in by_store:
        planted = base * STORE_ANSWERING.get(row.key, 1.0)
        low, high = proportion_confint(row.answered, row.sent, alpha=0.001, method="wilson")
        assert low <= planted <= high, (row.key, row.answered, row.sent, planted)
        assert row.rate is not None and 0.1 <= row.rate <= 0.35
        # The counter's QR code: planted QR_ANSWER of the views become complete answers.
        low, high = proportion_confint(row.anonymous_responses, row.views, alpha=0.001,
                                       method="wilson")  # fmt: skip
        assert row.views >= 10 and low <= QR_ANSWER <= high, (row.key, row.views)
