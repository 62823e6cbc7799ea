"""Weak sentiment labels from rated reviews and survey comments, and refused training files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.feedback.service import ingest_feedback
from cxm.surveys.models import Answer, Response
from cxm.text.labels import read_labelled
from cxm.text.weak_labels import rated_texts, sentiment_of
from tests.factories import _survey, organization

WHEN = datetime(2026, 10, 1, tzinfo=UTC)
NEGATIVE = ["Кур'єр запізнився на три дні", "Товар прийшов зламаний", "Ніхто не відповідає",
            "Гроші досі не повернули", "Жахливе обслуговування в магазині",
            "Посилку загубили"]  # fmt: skip
NEUTRAL = ["Замовлення отримав", "Звичайна доставка", "Нічого особливого",
           "Як завжди", "Забрав у відділенні", "Оплатив карткою"]  # fmt: skip
POSITIVE = ["Дякую, все чудово", "Дуже швидко і зручно", "Привітний консультант",
            "Все сподобалося", "Супер сервіс", "Рекомендую магазин"]  # fmt: skip


def _responses(db: Database, org: int, rows: list[tuple[dict[str, float], list[str]]]) -> None:
    """Responses with the given scores (kind -> value) and comments."""
    with db.writer() as conn:
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "after-order", mark)
        ids = insert_returning_ids(conn, table(Response), [
            {"organization_id": org, "survey_id": sid, "version_id": vid, "status": "complete",
             "started_at": WHEN, "completed_at": WHEN, "sync_mark": mark} for _ in rows
        ])  # fmt: skip
        answers = []
        for rid, (scores, comments) in zip(ids, rows, strict=True):
            answers += [
                {
                    "organization_id": org,
                    "response_id": rid,
                    "question": k,
                    "kind": k,
                    "value": v,
                    "text": None,
                    "sync_mark": mark,
                }
                for k, v in scores.items()
            ]
            answers += [{"organization_id": org, "response_id": rid, "question": f"q{i}",
                         "kind": "text", "value": None, "text": c, "sync_mark": mark}
                        for i, c in enumerate(comments)]  # fmt: skip
        insert_rows(conn, table(Answer), answers)


def test_scores_become_labels_as_documented() -> None:
    csat = [sentiment_of("csat", v) for v in (1, 2, 3, 4, 5, 0, 6)]
    assert csat == ["negative", "negative", "neutral", "positive", "positive", None, None]
    nps = [sentiment_of("nps", v) for v in (0, 6, 7, 8, 9, 10, 11)]
    assert nps == ["negative", "negative", "neutral", "neutral", "positive", "positive", None]
    assert sentiment_of("ces", 3) is None


def test_rated_survey_comments_are_weak_labels(sqlite_db: Database) -> None:
    org = organization(sqlite_db)
    other = organization(sqlite_db, "other")
    _responses(sqlite_db, org, [
        ({"csat": 2}, ["Late again"]),
        ({"nps": 7}, ["It was fine", "   "]),  # a blank comment is left out
        ({"csat": 5, "nps": 3}, ["Lovely staff"]),  # CSAT decides
        ({"ces": 2}, ["Easy"]),  # no CSAT or NPS: no label
        ({"nps": 10}, []),  # no comment
    ])  # fmt: skip
    _responses(sqlite_db, other, [({"csat": 1}, ["Not ours"])])
    found = rated_texts(sqlite_db, org)
    assert sorted(zip(found.texts, found.sentiment, strict=True)) == [
        ("It was fine", "neutral"), ("Late again", "negative"), ("Lovely staff", "positive")
    ]  # fmt: skip


def test_train_from_ratings(sqlite_db: Database, tmp_path: Path) -> None:
    org = organization(sqlite_db, "demo")
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text"]
    runner = CliRunner()
    _responses(sqlite_db, org, [({"csat": 1}, [t]) for t in NEGATIVE[:3]])
    thin = runner.invoke(main, [*base, "train", "--task", "sentiment", "--from-ratings"])
    assert thin.exit_code != 0 and "too few examples per class" in thin.output
    assert "column sentiment" in thin.output and "neutral: 0" in thin.output
    more = [({"csat": 1.0}, [t]) for t in NEGATIVE[3:]] + [({"nps": 8.0}, [t]) for t in NEUTRAL]
    _responses(sqlite_db, org, more + [({"nps": 10.0}, [t]) for t in POSITIVE])
    trained = runner.invoke(main, [*base, "train", "--task", "sentiment", "--from-ratings"])
    assert trained.exit_code == 0, trained.output
    assert "18 rated reviews and survey comments" in trained.output
    assert (tmp_path / "text" / f"org-{org}.npz").exists()
    said = json.loads(runner.invoke(main, [*base, "analyse", "--json", *NEUTRAL]).output)
    assert [r["sentiment"] for r in said] == ["neutral"] * 6  # it learnt its own neutral
    neither = runner.invoke(main, [*base, "train", "--task", "sentiment"])
    assert neither.exit_code != 0 and "--labels FILE, --from-ratings" in neither.output
    emotion = runner.invoke(main, [*base, "train", "--task", "emotion", "--from-ratings"])
    assert emotion.exit_code != 0 and "sentiment labels only" in emotion.output


def _reviews(db: Database, org: int, rated: list[tuple[str, int | None]]) -> None:
    items = [{"kind": "review", "text": t, "occurred_at": "2026-10-02T10:00:00Z",
              **({"rating": r} if r is not None else {})} for t, r in rated]  # fmt: skip
    assert ingest_feedback(db, org, list(items)).accepted == len(items)


def test_star_rated_reviews_are_weak_labels(sqlite_db: Database) -> None:
    org = organization(sqlite_db)
    other = organization(sqlite_db, "other")
    _reviews(
        sqlite_db,
        org,
        [
            ("Awful, broken on arrival", 1),
            ("Meh", 3),
            ("Great shop", 4),
            ("Two stars", 2),
            ("Unrated text", None),
            ("Loved it", 5),
        ],
    )
    _reviews(sqlite_db, other, [("Not ours", 1)])
    _responses(sqlite_db, org, [({"csat": 5}, ["Lovely staff"])])
    found = rated_texts(sqlite_db, org)
    assert sorted(zip(found.texts, found.sentiment, strict=True)) == [
        ("Awful, broken on arrival", "negative"), ("Great shop", "positive"),
        ("Loved it", "positive"), ("Lovely staff", "positive"), ("Meh", "neutral"),
        ("Two stars", "negative"),
    ]  # fmt: skip


def test_train_from_rated_reviews_with_json(sqlite_db: Database, tmp_path: Path) -> None:
    """--json still learns from the ratings (it prints their count, and the model changes)."""
    org = organization(sqlite_db, "demo")
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text"]
    runner = CliRunner()
    _reviews(sqlite_db, org, [(t, 1) for t in NEGATIVE] + [(t, 3) for t in NEUTRAL]
             + [(t, 5) for t in POSITIVE])  # fmt: skip
    judged = runner.invoke(
        main, [*base, "evaluate", "--task", "sentiment", "--from-ratings", "--json"]
    )
    assert judged.exit_code == 0, judged.output
    before = json.loads(judged.output)
    assert (before["n"], before["labels"]) == (18, "ratings")
    assert sum(map(sum, before["confusion"]["matrix"])) == 18
    said = runner.invoke(main, [*base, "evaluate", "--task", "sentiment", "--from-ratings"])
    assert "the organization's ratings (weak labels): n = 18" in said.output
    assert "has seen these texts" in said.output
    for wrong in (["--task", "sentiment"], ["--task", "emotion", "--from-ratings"],
                  ["--task", "sentiment", "--from-ratings", str(Path(__file__))]):  # fmt: skip
        refused = runner.invoke(main, [*base, "evaluate", *wrong])
        assert refused.exit_code == 2, wrong
    trained = runner.invoke(
        main, [*base, "train", "--task", "sentiment", "--from-ratings", "--json"]
    )
    assert trained.exit_code == 0, trained.output
    said = json.loads(trained.output.strip().splitlines()[-1])
    assert said["weak_labels"] == 18 and said["texts"] == 18
    assert (tmp_path / "text" / f"org-{org}.npz").exists()
    read = json.loads(runner.invoke(main, [*base, "analyse", "--json", *NEUTRAL]).output)
    assert [r["sentiment"] for r in read] == ["neutral"] * 6
    after = runner.invoke(
        main, [*base, "evaluate", "--task", "sentiment", "--from-ratings", "--json"]
    )
    assert json.loads(after.output)["macro_f1"] > before["macro_f1"]  # it learnt them


def test_training_files_are_refused_naming_what_is_wrong(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("text,sentiment\nça va,neutral\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8 text"):
        read_labelled(latin1, "sentiment")
    thin = tmp_path / "thin.csv"
    thin.write_text("text,emotions\n" + "so happy,joy\n" * 6 + "grr,anger\n", "utf-8")
    with pytest.raises(ValidationError) as refused:
        read_labelled(thin, "emotion")
    [fault] = refused.value.faults
    assert fault.field == "emotions" and "anger: 1" in fault.reason
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("text,sentiment\nfine,positive,extra\nshort\n", "utf-8")
    with pytest.raises(ValidationError, match="too few examples"):
        read_labelled(ragged, "sentiment")  # short rows have no label; extra cells ignored


def _agreement_world(db: Database) -> int:
    """Stars 1, 2, 5, 3 (truth negative, negative, positive, neutral) against the newest
    readings negative, positive, positive, neutral; an unrated review is left out."""
    from sqlalchemy import insert

    from cxm.feedback.models import Feedback
    from cxm.text.models import Enrichment

    org = organization(db, "demo")
    _reviews(db, org, [("a", 1), ("b", 2), ("c", 5), ("d", 3), ("e", None)])
    with db.session() as s:
        ids = {f.text: f.id for f in s.scalars(select(Feedback))}
    read = [("a", "m1", "negative", -0.9), ("b", "m1", "negative", -0.5),
            ("b", "m2", "positive", 0.4), ("c", "m2", "positive", 0.8),
            ("d", "m2", "neutral", 0.1), ("e", "m2", "negative", -0.7)]  # fmt: skip
    with db.writer() as conn:
        mark = change_mark(conn)
        conn.execute(insert(table(Enrichment)), [
            {"organization_id": org, "feedback_id": ids[t], "model_version": m, "language": "en",
             "language_confidence": 1.0, "sentiment": s, "sentiment_score": v, "confidence": 0.9,
             "emotions": {}, "labels": "none", "aspects": 0, "created_at": WHEN,
             "sync_mark": mark} for t, m, s, v in read
        ])  # fmt: skip
    return org


def test_rating_agreement_by_hand(db: Database) -> None:
    """Accuracy 3/4; F1 negative 2/3 (P 1, R 1/2), neutral 1, positive 2/3 (P 1/2, R 1):
    macro-F1 7/9."""
    from cxm.text.weak_labels import rating_agreement

    assert rating_agreement(db, organization(db, "empty")) is None  # nothing rated and read
    found = rating_agreement(db, _agreement_world(db))
    assert found is not None and found["n"] == 4
    assert found["accuracy"] == pytest.approx(0.75)
    assert found["macro_f1"] == pytest.approx(7 / 9)
    assert found["confusion"]["matrix"] == [[1, 0, 1], [0, 1, 0], [0, 0, 1]]


def test_cxm_text_status_gives_the_rating_agreement(sqlite_db: Database, tmp_path: Path) -> None:
    from cxm.text.weak_labels import rating_agreement

    org = _agreement_world(sqlite_db)
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text", "status"]
    said = CliRunner().invoke(main, base)
    assert "stars of 4 rated review(s): accuracy 0.750, macro-F1 0.778" in said.output
    given = json.loads(CliRunner().invoke(main, [*base, "--json"]).output)
    assert given["rating_agreement"] == json.loads(json.dumps(rating_agreement(sqlite_db, org)))
