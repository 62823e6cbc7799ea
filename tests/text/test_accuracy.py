"""The shipped model's measured sentiment and emotion figures: taken from its reports (the
review set's kept up to date with the model), and shown only while the shipped models read
(on the API and CLI here; the Voice page in tests/web/test_voice_text.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.text.accuracy import (
    MODELS,
    emotion_accuracy,
    measured,
    reads_with_shipped_emotions,
    sentiment_accuracy,
    sentiment_measured,
)
from cxm.text.backends import load_model
from cxm.text.builtin import SHIPPED, BuiltinModel, retrain, with_scripts
from cxm.text.labels import Labelled
from cxm.text.review_set import REPORT, review_report
from tests.factories import organization

REVIEWS = Path(__file__).resolve().parents[1] / "data" / "reviews.csv"


def test_the_figures_are_the_build_reports() -> None:
    builtin = json.loads((MODELS / "builtin-metrics.json").read_text("utf-8"))
    feedback = json.loads((MODELS / "feedback_emotions-metrics.json").read_text("utf-8"))
    rows = measured()
    assert [(r["language"], r["emotions"]) for r in rows] == [
        ("uk", "basic"), ("uk", "basic"), ("uk", "basic"), ("ru", "basic"), ("en", "basic"),
        ("uk", "feedback"), ("ru", "feedback"), ("en", "feedback"),
    ]  # fmt: skip
    ru = builtin["ru_cedr_heldout"]["emotion"]
    assert rows[3]["n"] == ru["n"] == 1506
    assert rows[3]["macro_f1"] == round(ru["macro_f1"], 3)
    per = ru["per_class"]
    assert rows[3]["weakest"] == min(per, key=lambda e: per[e]["f1"]) == "anger"
    uk = feedback["feedback_trust_fresh3/uk"]
    assert rows[5]["macro_f1"] == round(uk["macro_f1"], 3) and rows[5]["n"] == uk["n"]
    assert all(0 <= r["weakest_f1"] <= r["macro_f1"] <= 1 for r in rows)


def test_the_review_figures_are_the_shipped_models_now(tmp_path: Path) -> None:
    stored = json.loads(REPORT.read_text("utf-8"))
    live = review_report(load_model(SHIPPED), REVIEWS, tmp_path / "review-metrics.json")
    assert live["groups"] == stored["groups"], "run: python -m cxm.text.review_set " + (
        "tests/data/reviews.csv --write"
    )
    rows = sentiment_measured()
    assert [(r["language"], r["data"].split()[3]) for r in rows] == [
        ("uk", "held-out"), ("uk", "fresh"), ("uk", "held-out"), ("uk", "held-out"),
        ("ru", "held-out"), ("ru", "fresh"), ("ru", "held-out"), ("ru", "held-out"),
        ("en", "held-out"), ("en", "fresh"),
    ]  # fmt: skip
    assert rows[2]["data"].endswith("product reviews") and rows[2]["n"] == 120
    assert rows[3]["data"].endswith("short public reviews") and rows[3]["n"] == 90
    assert rows[0] == {"language": "uk", "data": "the cxm team's held-out reviews",
                       **stored["groups"]["test/uk"]}  # fmt: skip
    assert rows[0]["n"] == 78  # tests/data/README.md: 78 Ukrainian reviews in the test half


def test_shown_only_while_the_shipped_emotion_models_read(tmp_path: Path) -> None:
    shipped = load_model(SHIPPED)
    assert reads_with_shipped_emotions(shipped) and emotion_accuracy(shipped) == measured()
    # An organization's file whose sentiment it trained: read back, emotions the shipped ones.
    own = replace(shipped, version="own", sentiment_coef=shipped.sentiment_coef * 0.5)
    own.save(tmp_path / "org-1.npz")
    again = BuiltinModel.load(tmp_path / "org-1.npz")
    assert again is not shipped and reads_with_shipped_emotions(again)
    assert sentiment_accuracy(shipped) == sentiment_measured()
    assert sentiment_accuracy(again) is None  # its own sentiment: its own figures
    assert emotion_accuracy(again) == measured()
    emotions = Labelled()
    for i in range(60):
        emotions.add(("Чудово, дякую" if i % 2 else "Жахливо, злюся") + f" {i}", None,
                     frozenset({"joy"} if i % 2 else {"anger"}), "uk")  # fmt: skip
    theirs = retrain(shipped, emotions, "emotion")
    assert emotion_accuracy(theirs) is None  # their emotions: their figures
    assert sentiment_accuracy(theirs) == sentiment_measured()  # the shipped sentiment's
    no_ukrainian = with_scripts(shipped, shipped.cyrillic, shipped.latin)
    assert not reads_with_shipped_emotions(no_ukrainian)
    assert emotion_accuracy(object()) is None and sentiment_accuracy(object()) is None


def test_cxm_text_status_prints_them(sqlite_db: Database, tmp_path: Path) -> None:
    organization(sqlite_db, "demo")
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text", "status"]
    said = CliRunner().invoke(main, base)
    assert said.exit_code == 0, said.output
    ru = measured()[3]
    assert (
        f"  ru  {ru['macro_f1']:.2f}  six basic; CEDR, Russian sentences held out, 1,506 texts; "
        f"weakest anger {ru['weakest_f1']:.2f}"
    ) in said.output
    uk = sentiment_measured()[0]
    assert (
        f"  uk  {uk['macro_f1']:.2f}  the cxm team's held-out reviews, 78 texts; two-way "
        f"{uk['two_way_accuracy']:.2f}"
    ) in said.output
    given = json.loads(CliRunner().invoke(main, [*base, "--json"]).output)
    assert given["emotion_accuracy"] == measured()
    assert given["sentiment_accuracy"] == sentiment_measured()
