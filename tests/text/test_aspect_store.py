"""Aspects stored with the enrichment: once per model version, filled in for items enriched
before aspects were stored, synced to the analytics store and summed per aspect."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select, update

from cxm.analytics.aspects import load_aspects
from cxm.analytics.backend import Analytics
from cxm.analytics.themes import ThemeFilter
from cxm.core.db import Database, table
from cxm.core.settings import Settings
from cxm.feedback.service import ingest_feedback
from cxm.text.aspect_store import aspect_backlog, aspects_for, read_pending_aspects
from cxm.text.backends import load_model
from cxm.text.builtin import SHIPPED
from cxm.text.enrichment import enrich_pending
from cxm.text.models import AspectMention, Enrichment
from tests.factories import organization

TEXTS = [
    "The delivery was late but the courier was polite.",
    "Thank you!",
    "Доставка ужасно медленная, зато цена отличная!",
]


def _stored(db: Database) -> list[tuple[int, str, str]]:
    a = table(AspectMention)
    with db.engine.connect() as conn:
        rows = conn.execute(select(a.c.feedback_id, a.c.aspect, a.c.sentiment)).all()
    return sorted((int(f), str(x), str(s)) for f, x, s in rows)


def test_aspects_are_stored_once_filled_in_and_summed(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    ingest_feedback(db, org, [{"kind": "comment", "text": t,
                               "occurred_at": f"2026-09-0{i + 1}T10:00:00Z"}
                              for i, t in enumerate(TEXTS)])  # fmt: skip
    model = load_model(SHIPPED)
    assert enrich_pending(db, org, model) == 3
    a, b, c = 1, 2, 3  # feedback ids in the order given
    expected = [
        (a, "courier", "positive"), (a, "delivery", "negative"),
        (c, "delivery", "negative"), (c, "price", "positive"),
    ]  # fmt: skip
    assert _stored(db) == expected
    en = table(Enrichment)
    with db.engine.connect() as conn:
        counts = dict(conn.execute(select(en.c.feedback_id, en.c.aspects)).all())
    assert counts == {a: 2, b: 0, c: 2}
    assert enrich_pending(db, org, model) == 0 and _stored(db) == expected  # nothing twice
    found = aspects_for(db, org, [a, b, c])
    assert [(x["aspect"], x["sentiment"]) for x in found[a]] == [
        ("delivery", "negative"), ("courier", "positive")
    ]  # fmt: skip
    courier = found[a][1]
    assert TEXTS[0][courier["start"] : courier["end"]] == "but the courier was polite"
    assert b not in found and aspects_for(db, org + 1, [a]) == {}

    # Items enriched before aspects were stored: their aspects are read without reading
    # sentiment again.
    with db.writer() as conn:
        conn.execute(table(AspectMention).delete())
        conn.execute(update(en).values(aspects=None))
    assert aspect_backlog(db, org, model) == 3 and _stored(db) == []
    assert read_pending_aspects(db, org, model) == 3
    assert _stored(db) == expected and aspect_backlog(db, org, model) == 0
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(en)).scalar_one() == 3

    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        summary = load_aspects(analytics, org, ThemeFilter())
        russian = load_aspects(analytics, org, ThemeFilter(language="ru"))
    finally:
        analytics.close()
    assert (summary.comments, summary.with_aspect) == (3, 2)
    by = {x.aspect: x for x in summary.aspects}
    assert [x.aspect for x in summary.aspects] == ["delivery", "courier", "price"]
    delivery = by["delivery"]
    assert (delivery.comments, delivery.negative, delivery.neutral, delivery.positive) == (
        2, 2, 0, 0
    )  # fmt: skip
    assert abs(delivery.share - 2 / 3) < 1e-9 and delivery.net == -1.0
    assert delivery.mean_score < 0 and delivery.by_month == {"2026-09": 2}
    assert (by["courier"].positive, by["price"].positive, by["price"].net) == (1, 1, 1.0)
    assert (russian.comments, russian.with_aspect) == (1, 1)
    assert sorted(x.aspect for x in russian.aspects) == ["delivery", "price"]
