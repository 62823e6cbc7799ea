"""The emotion model of Cyrillic texts spelled in Ukrainian: which texts it reads, that the
shipped model keeps it through saving and sentiment training, and that its translated
training rows never come from the held-out fifth of CEDR it is measured on."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

from cxm.text.build import UK_TRANSLATED, _translated
from cxm.text.builtin import SHIPPED, BuiltinModel, retrain, with_scripts
from cxm.text.labels import EMOTIONS, Labelled
from cxm.text.script_emotions import UKRAINIAN, fit_script, of_ukrainian

CEDR_TRAIN_ROWS = 7528  # rows of CEDR's train split (shared/data/text/README.md)


def test_which_texts_are_spelled_in_ukrainian() -> None:
    texts = [
        "Мені страшно і сумно",  # і: Ukrainian
        "Ґанок знову зламали, їй байдуже",  # ґ, ї
        "Мне страшно и грустно",  # no letter of either
        "Ёлки, это ещё что такое",  # ё, э: Russian
        "Привіт, всё ок",  # one of each: not more Ukrainian than Russian
        "I feel sad, і все",  # mostly Latin
        "",
        "🙂",
    ]
    assert of_ukrainian(texts).tolist() == [True, True, False, False, False, False, False, False]


def test_the_shipped_model_reads_ukrainian_with_its_own_model(tmp_path: Path) -> None:
    shipped = BuiltinModel.load(SHIPPED)
    assert shipped.ukrainian is not None and shipped.cyrillic is not None
    assert shipped.ukrainian.prefix == UKRAINIAN
    texts = ["Мені так страшно і сумно сьогодні", "Мне так страшно и грустно сегодня"]
    _, emotion = shipped.probabilities(texts)
    assert np.allclose(emotion[0], shipped.ukrainian.probabilities(texts[:1]))
    assert np.allclose(emotion[1], shipped.cyrillic.probabilities(texts[1:]))
    assert np.allclose(shipped.cutoffs(texts)[0], shipped.ukrainian.thresholds)
    assert np.allclose(shipped.cutoffs(texts)[1], shipped.cyrillic.thresholds)
    without = with_scripts(shipped, shipped.cyrillic, shipped.latin)  # no Ukrainian model
    both = with_scripts(shipped, shipped.cyrillic, shipped.latin, shipped.ukrainian)
    assert without.version != both.version  # the version names the Ukrainian model too
    assert np.allclose(
        without.probabilities(texts)[1][0], shipped.cyrillic.probabilities(texts[:1])
    )
    assert np.allclose(without.probabilities(texts)[1][1], emotion[1])
    shipped.save(tmp_path / "m.npz")
    again = BuiltinModel.load(tmp_path / "m.npz")
    assert again.ukrainian is not None
    assert np.allclose(again.probabilities(texts)[1], emotion, atol=1e-3)
    sentiment = Labelled()
    for i in range(30):
        sentiment.add(f"Добре {i}" if i % 2 else f"Погано {i}", "positive" if i % 2 else
                      "negative", None, "uk")  # fmt: skip
    assert retrain(shipped, sentiment, "sentiment").ukrainian is shipped.ukrainian
    emotions = Labelled()
    for i in range(60):
        emotions.add(("Чудово, дякую" if i % 2 else "Жахливо, злюся") + f" {i}", None,
                     frozenset({"joy"} if i % 2 else {"anger"}), "uk")  # fmt: skip
    assert retrain(shipped, emotions, "emotion").ukrainian is None  # theirs read everything


def test_thresholds_are_chosen_on_the_rows_asked_for() -> None:
    # Russian rows tell joy plainly. The Ukrainian rows all read alike and a third of them
    # are joy: for them, calling every one joy (F1 0.5) beats calling none; over all rows,
    # leaving them out keeps the Russian joy clean and scores best.
    data = Labelled()
    for i in range(600):
        if i % 3:
            joy = i % 2 == 0
            text = ("Ура, победа, счастье" if joy else "Тоска и слёзы") + f" {i}"
        else:
            joy = i % 9 == 0
            text = f"Ну ніби і нормально, день як день {i}"
        data.add(text, None, frozenset({"joy"} if joy else {"sadness"}), "ru")
    joy = EMOTIONS.index("joy")
    everywhere = fit_script(data, "cyrillic")
    ukrainian = fit_script(data, "cyrillic", tuned_on=of_ukrainian)
    nowhere = fit_script(data, "cyrillic", tuned_on=lambda t: np.zeros(len(t), dtype=bool))
    assert everywhere is not None and ukrainian is not None and nowhere is not None
    assert np.allclose(nowhere.thresholds, everywhere.thresholds)  # none kept: all rows
    assert np.allclose(ukrainian.coef, everywhere.coef)  # the same model, other thresholds
    p = everywhere.probabilities(
        [f"Ну ніби і нормально, день як день {i}" for i in range(1000, 1100)]
    )[:, joy]
    assert (p >= ukrainian.thresholds[joy]).mean() > 0.9  # the Ukrainian rows: all joy
    assert (p >= everywhere.thresholds[joy]).mean() < 0.1  # all rows: none of them


def test_translations_train_on_cedrs_training_rows_and_measure_on_its_held_out_fifth() -> None:
    order = list(range(CEDR_TRAIN_ROWS))
    random.Random(1).shuffle(order)  # cxm.text.build._split(..., 0.2, seed=1)
    held = set(order[int(CEDR_TRAIN_ROWS * 0.8) :])
    with UK_TRANSLATED.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["split"] for r in rows} == {"train", "heldout"}
    assert {r["source"] for r in rows} == {"goemotions/train", "cedr/train"}
    for r in rows:
        if r["source"] == "cedr/train":
            assert (int(r["source_row"]) - 1 in held) == (r["split"] == "heldout"), r
        else:
            assert r["split"] == "train", r
    train, heldout = _translated(UK_TRANSLATED)
    assert len(train) + len(heldout) == len(rows) and len(heldout) > 250
    assert of_ukrainian(heldout.texts).mean() > 0.9  # they reach the Ukrainian model
    assert all(e is not None for e in train.emotions)
    named = {e for found in heldout.emotions for e in found or ()}
    assert named == set(EMOTIONS) - {"disgust"}  # CEDR has no disgust
