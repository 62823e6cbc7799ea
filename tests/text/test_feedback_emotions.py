"""Gratitude, disappointment and trust: phrases in three languages, the learnt English model,
the reports that measure them and the training that leaves them to the shipped reader."""

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
from cxm.text.feedback_emotions import LABELLED, FeedbackEmotions, counts, denied, spans
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
    ("Так чекала цю сукню, а вона зовсім не як на фото", 2),  # anticipation, then the photo
    ("Раньше пельмени у вас были вкуснее", 1),  # it was better once
    ("Тканина тонша, ніж я думав, але для літа ок", 0),  # a small let-down accepted
]
RELIANCE = [
    ("Довіряю цьому магазину вже багато років", 1),
    ("Жодного разу не підвели, замовляю тільки тут", 1),
    ("Перевірений магазин, беру навіть не перевіряючи", 2),
    ("Знаю, що якщо щось не так, ви все виправите", 1),
    ("Заказываю с закрытыми глазами", 1),
    ("Уверена в качестве ваших товаров", 1),
    ("С вами как за каменной стеной", 1),
    ("They have never let me down", 1),
    ("I know what I'm getting every time", 1),
    ("Більше вам не довіряю", 0),  # negated
    ("Ви втратили мою довіру", 0),  # lost
    ("Раньше доверяла этому магазину, теперь нет", 0),  # in the past
    ("Не впевнена, що вам можна довіряти", 0),  # doubted
    ("Чи можна довіряти відгукам на сайті?", 0),  # asked
    ("Ну дуже надійна доставка, третій тиждень чекаю", 0),  # sarcasm
    ("Very reliable store, lost my order for the third time", 0),
    ("Доверяю только СДЭКу, отправляйте им", 0),  # a third party
    ("Надійна упаковка, але товар подряпаний", 0),  # a thing
    ("Честная цена, без накруток", 0),  # one thing honest, not the company
    ("Честно говоря, так себе", 0),
    ("Я вам не верю, покажите сертификат", 0),
]


@pytest.mark.parametrize(("text", "said"), THANKS)
def test_thanks_are_counted_unless_sarcastic_refused_or_not_thanks(text: str, said: int) -> None:
    assert counts(text)[FEEDBACK_EMOTIONS.index("gratitude")] == said


@pytest.mark.parametrize(("text", "said"), LET_DOWNS)
def test_let_downs_are_counted_unless_negated(text: str, said: int) -> None:
    assert counts(text)[FEEDBACK_EMOTIONS.index("disappointment")] == said


@pytest.mark.parametrize(("text", "said"), RELIANCE)
def test_trust_is_counted_unless_lost_doubted_asked_sarcastic_or_about_another(
    text: str, said: int
) -> None:
    assert counts(text)[FEEDBACK_EMOTIONS.index("trust")] == said


def test_what_a_text_denies_the_english_model_does_not_read() -> None:
    reader = FeedbackEmotions.load()
    assert reader.latin is not None
    texts = ["Didn't disappoint this time, the sofa looks just like the photo.",
             "Thanks for nothing. Three emails and still no reply"]  # fmt: skip
    assert denied(texts[0]).tolist() == [False, True, False]
    assert denied(texts[1]).tolist() == [True, False, False]  # sarcasm: thanks denied
    assert not denied("Disappointed, though I never complain").any()  # said once, not denied
    intensity, cut = reader.read(texts)
    assert intensity[0, 1] == 0.0 and intensity[1, 0] == 0.0
    assert not (intensity >= cut).any()


def test_the_words_that_said_them_are_marked_where_they_stand() -> None:
    text = "Дякую кур’єру! Але, на жаль, якість розчарувала. It’s a pity."
    assert [text[a:b] for a, b in spans(text, "gratitude")] == ["Дякую"]
    assert [text[a:b] for a, b in spans(text, "disappointment")] == [
        "на жаль", "розчарувала", "It’s a pity"
    ]  # fmt: skip
    assert spans("Ну дякую, дуже вдячна", "gratitude") == []  # sarcasm: no thanks at all
    relied = "Купую тільки у вас: жодного разу не підвели. Надійний магазин!"
    assert [relied[a:b] for a, b in spans(relied, "trust")] == [
        "жодного разу не підвели", "Надійний"
    ]  # fmt: skip
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
                                     "gratitude", "disappointment", "trust"}  # fmt: skip
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
    phrases = 1 - 0.3 ** np.vstack([counts(t) for t in texts])
    assert np.allclose(intensity[:, :2], np.maximum(learnt, phrases[:, :2]))
    assert np.allclose(intensity[:, 2], phrases[:, 2])  # trust: the phrases alone
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
    # Files label the feedback emotions one by one: trust is judged only where named.
    older = emotion_report([{"gratitude"}, set()], [{"gratitude", "trust"}, {"trust"}])
    assert older["macro_of"] == ["gratitude"] and older["macro_f1"] == 1.0
    assert older["none_f1"] == 1.0 and "trust" not in older["per_class"]
    newer = emotion_report([{"trust"}, set(), {"gratitude"}], [{"trust"}, {"trust"}, set()])
    assert newer["macro_of"] == ["gratitude", "trust"]
    assert newer["per_class"]["trust"]["precision"] == 0.5
    assert newer["macro_f1"] == pytest.approx(1 / 3)


def test_the_labelled_sets_are_measured_and_held_to_what_was_measured() -> None:
    model = BuiltinModel.load()
    files = {path.stem: read_labelled(path, "emotion") for path in LABELLED}
    assert {k: len(v) for k, v in files.items()} == {
        "feedback_emotions": 681, "feedback_emotions_fresh": 300, "feedback_emotions_fresh2": 240,
        "feedback_trust": 300, "feedback_trust_fresh": 240, "feedback_trust_fresh2": 240,
        "feedback_trust_fresh3": 240,
    }  # fmt: skip
    # What each file read when last measured (docs/text-analytics.md); a change that costs
    # more than 0.03 on any of them has to say so there.
    read = {k: evaluate(model, v, "emotion") for k, v in files.items()}
    assert read["feedback_emotions_fresh2"]["macro_of"] == ["gratitude", "disappointment"]
    assert read["feedback_trust_fresh3"]["macro_of"] == list(FEEDBACK_EMOTIONS)
    measured = {
        "feedback_emotions": 0.910, "feedback_emotions_fresh": 0.872,
        "feedback_emotions_fresh2": 0.870, "feedback_trust": 0.946, "feedback_trust_fresh": 0.965,
        "feedback_trust_fresh2": 0.974, "feedback_trust_fresh3": 0.870,
    }  # fmt: skip
    for name, figure in measured.items():
        assert read[name]["macro_f1"] > figure - 0.03, (name, read[name]["macro_f1"])
    trust = read["feedback_trust_fresh3"]["per_class"]["trust"]
    assert trust["f1"] > 0.79 and trust["precision"] > 0.9


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
    assert refused.exit_code != 0 and "only gratitude, disappointment or trust" in refused.output
    assert not (tmp_path / "text" / "org-1.npz").exists()
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(
            [[f"Злий як чорт {i}", "anger"] for i in range(6)]
            + [[f"Я така щаслива {i}", "joy"] for i in range(6)]
        )
    measured = runner.invoke(main, [*base, "evaluate", "--task", "emotion", str(path)])
    assert measured.exit_code == 0, measured.output
    assert "(of anger, joy)" in measured.output
    assert "gratitude, disappointment: macro-F1 1.000" in measured.output
    trained = runner.invoke(main, train)
    assert trained.exit_code == 0, trained.output
    assert "gratitude and disappointment: read by cxm's own reader, not trained" in trained.output
    own = BuiltinModel.load(tmp_path / "text" / "org-1.npz")
    assert own.feedback is not None and "gratitude" in own.score(["Дякую!"])[0].labels
