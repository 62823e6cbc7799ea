"""The portable emotion curve and friction sections (drop-off, effort, negative emotion) agree
with the embedded ones: hand-computed cases on DuckDB (a comment's stage with ties and the
lookback limit), the small demo world on DuckDB, and PySpark local mode against DuckDB."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis
import pytest
from ibis import _
from sqlalchemy import select

from cxm.analytics.backend import Analytics
from cxm.analytics.emotion_curve import (
    _comments,
    emotion_curve,
    portable_emotion_curve,
    stage_comments,
)
from cxm.analytics.first_touchpoint import customers_allowed
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.friction_dropoff import drop_offs, portable_drop_offs
from cxm.analytics.friction_effort import effort, portable_effort
from cxm.analytics.friction_emotion import negative_emotion, portable_negative_emotion
from cxm.analytics.journeys import JourneyQuery
from cxm.analytics.portable_friction import portable_customers_allowed, portable_sections
from cxm.analytics.spark import export_parquet
from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.schema import upgrade
from cxm.core.settings import Settings
from cxm.demo.truths import CHECKOUT
from cxm.demo.world import generate
from cxm.feedback.models import Feedback
from cxm.feedback.service import ingest_feedback
from cxm.ingest.events import ingest_batch
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from cxm.text.labels import EMOTIONS
from cxm.text.models import Enrichment
from tests.analytics.engines import need_spark, same_figures, spark_cli
from tests.analytics.test_friction_dropoff import form_world
from tests.analytics.test_friction_effort import effort_world
from tests.analytics.test_friction_emotion import emotion_world
from tests.factories import organization, track
from tests.worlds import SEED

# text -> (customer, when, touchpoint named); the comments of the hand-computed case.
COMMENTS = {
    "a": ("c1", "2026-03-04T10:00:00Z", None),  # the cart three days before: purchase
    "b": ("c1", "2026-03-05T10:00:00Z", None),  # help and parcel at this very instant
    "c": ("c1", "2026-03-19T10:00:00Z", None),  # exactly 14 days after them: still counts
    "d": ("c1", "2026-03-19T10:00:01Z", None),  # a second later: too long ago to say
    "e": ("c1", "2026-03-02T10:00:00Z", "help"),  # names its touchpoint: after sales
    "f": ("c2", "2026-03-01T09:00:00Z", None),  # before c2's only event: unknown
}


def _tie_world(db: Database) -> int:
    org = organization(db)
    with db.writer() as conn:
        for code, channel, stage in (
            ("cart", "web", "purchase"),
            ("parcel", "delivery", "delivery"),
            ("help", "contact_centre", "after_sales"),
        ):
            add_rule(conn, org, add_touchpoint(conn, org, code, code, channel, stage),
                     event_name=code.title())  # fmt: skip
    ingest_batch(db, org, [
        track("e1", "Cart", user_id="c1", timestamp="2026-03-01T10:00:00Z"),
        track("e2", "Help", user_id="c1", timestamp="2026-03-05T10:00:00Z"),
        track("e4", "Cart", user_id="c2", timestamp="2026-03-01T10:00:00Z"),
    ])  # fmt: skip
    # The parcel arrives later, at the help call's instant: its id is higher, so it is last.
    ingest_batch(db, org, [track("e3", "Parcel", user_id="c1", timestamp="2026-03-05T10:00:00Z")])
    ingest_feedback(
        db,
        org,
        [
            {"kind": "comment", "text": text, "occurred_at": when, "customer": {"user_id": who},
             **({"touchpoint": tp, "channel": "contact_centre"} if tp else {})}
            for text, (who, when, tp) in COMMENTS.items()
        ],
    )  # fmt: skip
    with db.writer() as conn:
        ids = dict(conn.execute(select(Feedback.text, Feedback.id)).all())
        mark = change_mark(conn)
        insert_rows(
            conn,
            table(Enrichment),
            [
                {"organization_id": org, "feedback_id": ids[text], "model_version": "hand",
                 "language": "en", "language_confidence": 1.0, "sentiment": "negative",
                 "sentiment_score": -0.5, "confidence": 1.0,
                 "emotions": dict.fromkeys(EMOTIONS, 0.0), "labels": "anger",
                 "created_at": datetime(2026, 4, 1, tzinfo=UTC), "sync_mark": mark}
                for text in COMMENTS
            ],
        )  # fmt: skip
    return org


def _stages(con: Any, org: int, lookback_days: int) -> dict[str, str]:
    fb = con.table("feedback").select(fid=_.id, text=_.text)
    t = stage_comments(con, org, None, None, lookback_days=lookback_days)
    t = t.join(fb, t.id == fb.fid)
    return {r["text"]: r["stage"] for r in t.select("text", "stage").to_pyarrow().to_pylist()}


def test_a_comments_stage_by_hand_with_ties_and_the_lookback_limit(
    db: Database, tmp_path: Path
) -> None:
    org = _tie_world(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            fortnight, one_day = _stages(con, org, 14), _stages(con, org, 1)
            portable = {p.key: p.comments for p in portable_emotion_curve(con, org)}
        embedded = {p.key: p.comments for p in emotion_curve(analytics, org)}
    finally:
        analytics.close()
    assert fortnight == {
        "a": "purchase",
        "b": "delivery",  # the tie: events count before a comment; the last id wins
        "c": "delivery",
        "d": "unknown",
        "e": "after_sales",
        "f": "unknown",
    }
    assert one_day == {**fortnight, "a": "unknown", "c": "unknown"}
    assert portable == embedded == {"purchase": 1, "delivery": 2, "after_sales": 1, "unknown": 2}


def _duck(db: Database, tmp_path: Path, run: Any) -> Any:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            return run(con)
    finally:
        analytics.close()


def test_portable_sections_by_hand(db: Database, tmp_path: Path) -> None:
    org = effort_world(db)
    emotion_world(db, org)
    form_world(db, org)

    def both(con: Any) -> list[tuple[Any, Any]]:
        return [
            (effort(con, org), portable_effort(con, org)),
            (effort(con, org, channel="contact_centre"),
             portable_effort(con, org, channel="contact_centre")),
            (negative_emotion(con, org), portable_negative_emotion(con, org)),
            (negative_emotion(con, org, since=date(2026, 5, 1)),
             portable_negative_emotion(con, org, since=date(2026, 5, 1))),
            (drop_offs(con, org), portable_drop_offs(con, org)),
            (drop_offs(con, org, channel="app"), portable_drop_offs(con, org, channel="app")),
        ]  # fmt: skip

    pairs = _duck(db, tmp_path, both)
    for embedded, portable in pairs:
        assert asdict(portable) == asdict(embedded)
    hard, alone, unhappy, later, steps, app = (p for _, p in pairs)
    # The hand-computed figures of each section's own tests, now from the portable form.
    top = hard.points[0]
    assert (top.touchpoint, top.respondents, top.customers, top.harmful) == ("calls", 20, 30, True)
    assert top.mean == pytest.approx(2.5) and top.score == pytest.approx(30.0)
    assert alone.points[0].note == "no other touchpoint to compare with"
    sad = unhappy.points[0]
    assert (sad.stage, sad.comments, sad.negative, sad.customers) == ("delivery", 20, 15, 10)
    assert sad.score == pytest.approx(10 * (0.75 - 5 / 40))
    assert later.points == [] and later.message
    drop = steps.steps[0]
    assert (drop.step, drop.attempts, drop.dropped, drop.customers) == (
        "Form Step[step=2]", 38, 20, 20,
    )  # fmt: skip
    assert app.steps == [] and app.message and "step" in app.message


@pytest.fixture(scope="module")
def voiced_world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The small demo world with its comments read by the text model (module-wide)."""
    from cxm.text.enrichment import enrich_pending, load_model, model_path

    path = tmp_path_factory.mktemp("voiced")
    db = Database(f"sqlite:///{path / 'store.sqlite3'}")
    upgrade(db.engine)
    org = generate(db, "small", seed=SEED).organization_id
    enrich_pending(db, org, load_model(model_path(None, org)))
    yield db, org
    db.dispose()


def _asof_stages(con: Any, org: int, lookback_days: int) -> dict[int, str]:
    """A comment's stage as DuckDB's as-of join gives it: the reference of the rewrite."""
    comments = _comments(con, org, None, None)
    customers = con.table("customer").select(cid=_.id, person=_.merged_into.fill_null(_.id))
    touchpoints = con.table("touchpoint").select(tp=_.id, stage=_.stage)
    ev = con.table("event").filter((_.organization_id == org) & _.touchpoint_id.notnull())
    ev = ev.join(customers, ev.customer_id == customers.cid)
    ev = ev.join(touchpoints, ev.touchpoint_id == touchpoints.tp)
    ev = ev.select(ev_person=_.person, ev_at=_.occurred_at, ev_stage=_.stage)
    anonymous = comments.filter(comments.own_stage.isnull() & comments.person.notnull())
    matched = anonymous.asof_join(
        ev, on=anonymous.occurred_at >= ev.ev_at, predicates=anonymous.person == ev.ev_person
    )
    recent = matched.ev_at >= matched.occurred_at - ibis.interval(days=lookback_days)
    inferred = matched.select(
        inf_id=matched.id, inferred=ibis.ifelse(recent, matched.ev_stage, ibis.null("string"))
    )
    t = comments.left_join(inferred, comments.id == inferred.inf_id)
    t = t.select("id", stage=t.own_stage.fill_null(t.inferred).fill_null("unknown"))
    return {r["id"]: r["stage"] for r in t.to_pyarrow().to_pylist()}


JOURNEYS = (
    None,
    JourneyQuery(store="KYIV-2"),
    JourneyQuery(channel="web", segment="loyalty"),
    JourneyQuery(outcome="detractor"),
)
FILTERS: tuple[dict[str, Any], ...] = (
    {},
    {"store": "KYIV-2"},
    {"channel": "web"},
    {"segment": "loyalty", "since": date(2026, 3, 1)},
    {"persons": list(range(1, 2000, 2)), "until": date(2026, 9, 30)},  # first, outcome
)


def test_portable_duckdb_equals_the_embedded_curve_and_sections_on_the_demo_world(
    voiced_world: Any, tmp_path: Path
) -> None:
    db, org = voiced_world
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            for days in (1, 14, 90):  # the window functions place comments as the as-of join
                stages = {int(k): v for k, v in _stages_by_id(con, org, days).items()}
                assert stages == _asof_stages(con, org, days)
            # Every stage and unknown: survey reasons about a store purchase are at purchase.
            assert len(stages) > 400 and len(set(stages.values())) == 6
            for by in ("stage", "channel"):
                for q in JOURNEYS:
                    embedded = emotion_curve(analytics, org, by, journeys=q)
                    portable = portable_emotion_curve(con, org, by, journeys=q)
                    assert [p.as_dict() for p in portable] == [p.as_dict() for p in embedded]
                    assert embedded
            for kw in FILTERS:
                assert asdict(portable_effort(con, org, **kw)) == asdict(effort(con, org, **kw))
                assert asdict(portable_negative_emotion(con, org, **kw)) == asdict(
                    negative_emotion(con, org, **kw)
                )
                assert asdict(portable_drop_offs(con, org, **kw)) == asdict(
                    drop_offs(con, org, **kw)
                )
            # The first-touchpoint and outcome filters, found by the engine as well.
            for first, outcome, since in (
                ("web_product", None, None),
                (None, "detractor", None),
                ("store_visit", "promoter", date(2026, 3, 1)),
            ):
                allowed = customers_allowed(con, org, first, outcome, since)
                assert portable_customers_allowed(con, org, first, outcome, since) == allowed
                assert allowed
            # A shorter gap cuts more journeys: more customers have one starting at a touchpoint.
            short = customers_allowed(con, org, "web_product", None, None, None, 3)
            assert portable_customers_allowed(con, org, "web_product", None, None, None, 3) == short
            assert set(short) > set(customers_allowed(con, org, "web_product", None))
            filtered = friction(con, org, FrictionQuery(first="web_product", outcome="detractor"))
            narrowed = portable_sections(con, org, first="web_product", outcome="detractor")
            assert asdict(narrowed) == {
                "drop_offs": asdict(filtered.drop_offs),
                "effort": asdict(filtered.effort),
                "emotion": asdict(filtered.emotion),
            }
            assert narrowed.drop_offs.steps and narrowed.effort.points and narrowed.emotion.points
            sections = _sections(con, org)
    finally:
        analytics.close()
    _planted_truths(sections)


def _stages_by_id(con: Any, org: int, lookback_days: int) -> dict[int, str]:
    t = stage_comments(con, org, None, None, lookback_days=lookback_days)
    return {r["id"]: r["stage"] for r in t.select("id", "stage").to_pyarrow().to_pylist()}


def _sections(con: Any, org: int) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(json.dumps(asdict(portable_sections(con, org))))
    return found


def _planted_truths(sections: dict[str, Any]) -> None:
    """The demo world's planted friction, as the portable sections find it."""
    worst = f"Checkout Step Viewed[step={CHECKOUT.worst_step}]"
    top = sections["drop_offs"]["steps"][0]
    assert (top["touchpoint"], top["step"], top["unusual"]) == ("web_checkout", worst, True)
    assert sections["effort"]["points"][0]["touchpoint"] == "cc_order"  # contact loops
    unhappy = sections["emotion"]["points"][0]
    assert (unhappy["stage"], unhappy["harmful"]) == ("after_sales", True)


@pytest.mark.spark
def test_pyspark_local_mode_equals_duckdb_for_the_curve_and_the_sections(
    voiced_world: Any, tmp_path: Path
) -> None:
    need_spark()
    db, org = voiced_world
    analytics = Analytics(db, Settings(data_dir=tmp_path / "duck"))
    try:
        export_parquet(analytics, tmp_path / "parquet")
        curve = [p.as_dict() for p in emotion_curve(analytics, org)]
        with analytics.fresh() as con:
            found = portable_sections(
                con, org, first="web_product", outcome="detractor", gap_days=10
            )
            sections = json.loads(json.dumps(asdict(found)))
    finally:
        analytics.close()
    # Each run starts Spark in its own process (a minute or more): the unfiltered curve, and
    # the sections under the first-touchpoint and outcome filters (found by Spark as well;
    # the DuckDB test checks these against the embedded friction list).
    options = ["--org-id", str(org), "--master", "local[2]"]
    same_figures(spark_cli(tmp_path / "parquet", options, "emotion-curve"), curve, "curve")
    filters = ["--first", "web_product", "--outcome", "detractor", "--gap-days", "10"]
    found = spark_cli(tmp_path / "parquet", options + filters, "friction-sections")
    same_figures(found, sections, "sections")
    assert found["drop_offs"]["steps"] and found["effort"]["points"]
