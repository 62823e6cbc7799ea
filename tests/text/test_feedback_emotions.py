"""Gratitude and disappointment: phrases in three languages, the learnt English model, the
reports that measure them and the training that leaves them to the shipped reader."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.db import Database
from cxm.text.builtin import BuiltinModel
from cxm.text.evaluation import emotion_report, evaluate
from cxm.text.feedback_emotions import LABELLED, FeedbackEmotions, counts, spans
from cxm.text.highlight import pieces
from cxm.text.labels import FEEDBACK_EMOTIONS, read_labelled
from tests.factories import organization

THANKS = [
    ("Дякую кур'єру за терпіння!", 1),
    ("Щиро вдячна консультантці Олені", 1),
    ("Спасибо большое, всё пришло вовремя", 1),
    ("Благодарю за помощь, очень выручили", 1),
    ("Thanks a lot, really appreciate it", 2),  # two sayings: more intense
    ("Ну дякую, зіпсували свято", 0),  # sarcasm
    ("Спасибо за ничего", 0),
    ("Thanks for nothing", 0),
    ("Ні, дякую, більше не замовлятиму", 0),  # a refusal
    ("Благодаря задержке я опоздал на поезд", 0),  # "because of"
    ("I would appreciate a reply this week", 0),  # a request
]
LET_DOWNS = [
    ("Дуже розчарована якістю", 1),
    ("Очікувала трохи більшого від цього магазину", 1),
    ("Ожидал большего, если честно", 1),
    ("На жаль, замовлення не встигло до свята", 1),
    ("К сожалению, качество упало", 2),  # a regret and a decline
    ("Expected a bit more for the price", 1),
    ("Ні разу не розчарувалась", 0),  # negated
    ("Never disappointed with this shop", 0),
    ("Не шкода грошей, якість супер", 0),
    ("Жахливо, третій раз дзвоню", 0),  # anger, no let-down
]


@pytest.mark.parametrize(("text", "said"), THANKS)
def test_thanks_are_counted_unless_sarcastic_refused_or_not_thanks(text: str, said: int) -> None:
    assert counts(text)[FEEDBACK_EMOTIONS.index("gratitude")] == said


@pytest.mark.parametrize(("text", "said"), LET_DOWNS)
def test_let_downs_are_counted_unless_negated(text: str, said: int) -> None:
    assert counts(text)[FEEDBACK_EMOTIONS.index("disappointment")] == said


def test_the_words_that_said_them_are_marked_where_they_stand() -> None:
    text = "Дякую кур’єру! Але, на жаль, якість розчарувала. It’s a pity."
    assert [text[a:b] for a, b in spans(text, "gratitude")] == ["Дякую"]
    assert [text[a:b] for a, b in spans(text, "disappointment")] == [
        "на жаль", "розчарувала", "It’s a pity"
    ]  # fmt: skip
    assert spans("Ну дякую, дуже вдячна", "gratitude") == []  # sarcasm: no thanks at all
    marked = pieces(text, {}, None, ("gratitude", "disappointment"))
    assert [p.text for p in marked if p.marks == ["disappointment"]] == [
        "на жаль", "розчарувала", "It’s a pity"
    ]  # fmt: skip


def test_the_shipped_model_reads_both_beside_the_six() -> None:
    model = BuiltinModel.load()
    assert model.feedback is not None and model.feedback.latin is not None
    assert model.version.endswith(f"-{model.feedback.version}")
    texts = ["Дякую кур'єру, але якість розчарувала", "Жахливо, третій раз дзвоню", "", "🙂"]
    read = model.score(texts)
    assert set(read[0].emotions) == {"anger", "disgust", "fear", "joy", "sadness", "surprise",
                                     "gratitude", "disappointment"}  # fmt: skip
    assert {"gratitude", "disappointment"} <= set(read[0].labels)
    assert read[0].emotions["gratitude"] == pytest.approx(0.7)  # one saying: 1 - 0.3
    assert "gratitude" not in read[1].labels and read[2].labels == read[3].labels == ["none"]


def test_english_is_read_by_the_learnt_model_or_a_phrase() -> None:
    reader = FeedbackEmotions.load()
    assert reader.latin is not None
    texts = ["You guys are the best, cheers for sorting it out so fast",
             "Expected a bit more for the price",
             "The parcel arrived on Tuesday"]  # fmt: skip
    intensity, cut = reader.read(texts)
    learnt = reader.latin.probabilities(texts)
    assert np.allclose(
        intensity, np.maximum(learnt, 1 - 0.3 ** np.vstack([counts(t) for t in texts]))
    )
    said = intensity >= cut
    # A phrase names the let-down however low the model's probability.
    assert said[1, 1] and cut[1, 1] == min(float(reader.latin.thresholds[1]), 0.5)
    assert not said[2].any()


def test_reports_keep_each_kind_of_label_to_itself() -> None:
    # A file labelling the six: gratitude predictions are out of scope, "none" included.
    six = emotion_report([{"joy"}, set(), {"anger"}], [{"joy", "gratitude"}, {"gratitude"}, set()])
    assert six["macro_of"] == ["anger", "joy"] and six["macro_f1"] == 0.5
    assert six["none_f1"] == pytest.approx(2 / 3) and "feedback_macro_f1" not in six
    # A file labelling only gratitude and disappointment: their macro-F1.
    only = emotion_report([{"gratitude"}, {"disappointment"}, set(), {"gratitude"}],
                          [{"gratitude", "joy"}, set(), {"anger"}, set()])  # fmt: skip
    assert only["macro_of"] == ["gratitude", "disappointment"]
    assert only["per_class"]["gratitude"]["f1"] == pytest.approx(2 / 3)
    assert only["macro_f1"] == pytest.approx(1 / 3) and only["none_f1"] == 0.5
    # Both kinds: the six are the headline, the two their own.
    both = emotion_report([{"joy", "gratitude"}, {"sadness"}], [{"joy", "gratitude"}, set()])
    assert both["macro_f1"] == 0.5 and both["feedback_macro_f1"] == 1.0


def test_the_labelled_sets_are_measured_and_held_to_what_was_measured() -> None:
    model = BuiltinModel.load()
    dev, fresh, fresh2 = (read_labelled(path, "emotion") for path in LABELLED)
    assert (len(dev), len(fresh), len(fresh2)) == (681, 300, 240)
    # The held-out set read 0.774 (see docs/text-analytics.md); a change that costs more
    # than 0.03 on it, or on the others, has to say so there.
    report = evaluate(model, fresh2, "emotion")
    assert report["macro_of"] == list(FEEDBACK_EMOTIONS) and report["macro_f1"] > 0.74
    assert evaluate(model, fresh, "emotion")["macro_f1"] > 0.76
    assert evaluate(model, dev, "emotion")["macro_f1"] > 0.9


def test_training_leaves_both_to_the_reader_and_refuses_a_file_of_only_them(
    sqlite_db: Database, tmp_path: Path
) -> None:
    organization(sqlite_db, "demo")
    path = tmp_path / "own.csv"
    rows = [["text", "emotions"]]
    rows += [[f"Дякую за все {i}", "gratitude"] for i in range(6)]
    rows += [[f"Розчарована {i}", "disappointment"] for i in range(6)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path), "--database-url", sqlite_db.url, "text"]
    train = [*base, "train", "--task", "emotion", "--labels", str(path)]
    refused = runner.invoke(main, train)
    assert refused.exit_code != 0 and "only gratitude or disappointment" in refused.output
    assert not (tmp_path / "text" / "org-1.npz").exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(
            [[f"Злий як чорт {i}", "anger"] for i in range(6)]
            + [[f"Я така щаслива {i}", "joy"] for i in range(6)]
        )
    measured = runner.invoke(main, [*base, "evaluate", "--task", "emotion", str(path)])
    assert measured.exit_code == 0, measured.output
    assert "(of anger, joy)" in measured.output
    assert "gratitude and disappointment: macro-F1 1.000" in measured.output
    trained = runner.invoke(main, train)
    assert trained.exit_code == 0, trained.output
    assert "gratitude and disappointment: read by cxm's own reader, not trained" in trained.output
    own = BuiltinModel.load(tmp_path / "text" / "org-1.npz")
    assert own.feedback is not None and "gratitude" in own.score(["Дякую!"])[0].labels
