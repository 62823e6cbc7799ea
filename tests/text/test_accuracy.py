"""The shipped model's measured emotion figures: taken from its build reports, and shown
only while the shipped emotion models read (on the API and CLI here; the Voice page in
tests/web/test_voice_text.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.text.accuracy import MODELS, emotion_accuracy, measured, reads_with_shipped_emotions
from cxm.text.backends import load_model
from cxm.text.builtin import SHIPPED, BuiltinModel, retrain, with_scripts
from cxm.text.labels import Labelled
from tests.factories import organization


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


def test_shown_only_while_the_shipped_emotion_models_read(tmp_path: Path) -> None:
    shipped = load_model(SHIPPED)
    assert reads_with_shipped_emotions(shipped) and emotion_accuracy(shipped) == measured()
    # An organization's file whose sentiment it trained: read back, emotions the shipped ones.
    own = replace(shipped, version="own", sentiment_coef=shipped.sentiment_coef * 0.5)
    own.save(tmp_path / "org-1.npz")
    again = BuiltinModel.load(tmp_path / "org-1.npz")
    assert again is not shipped and reads_with_shipped_emotions(again)
    emotions = Labelled()
    for i in range(60):
        emotions.add(("Чудово, дякую" if i % 2 else "Жахливо, злюся") + f" {i}", None,
                     frozenset({"joy"} if i % 2 else {"anger"}), "uk")  # fmt: skip
    assert emotion_accuracy(retrain(shipped, emotions, "emotion")) is None
    no_ukrainian = with_scripts(shipped, shipped.cyrillic, shipped.latin)
    assert not reads_with_shipped_emotions(no_ukrainian)
    assert emotion_accuracy(object()) is None  # another backend


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
    given = json.loads(CliRunner().invoke(main, [*base, "--json"]).output)
    assert given["emotion_accuracy"] == measured()
