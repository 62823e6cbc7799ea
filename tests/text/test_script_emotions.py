"""The emotion models of the Cyrillic and Latin scripts: stored and read back, each used only
for its script's texts, dropped when the customer trains their own emotions (the Ukrainian
model, for Cyrillic texts spelled in Ukrainian: test_ukrainian_emotions.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cxm.text.builtin import SHIPPED, BuiltinModel, retrain, with_scripts
from cxm.text.labels import Labelled
from cxm.text.script_emotions import MIN_ROWS, fit_cyrillic, fit_latin, log_count_ratio

JOY = ["Я так рада, спасибо большое!", "Ура, наконец-то отпуск!", "Как же здорово, мы победили!"]
SAD = ["Мне очень грустно и одиноко.", "Сегодня умерла моя собака.", "Плачу весь вечер, тоска."]


def _labelled(n: int) -> Labelled:
    data = Labelled()
    for i in range(n):
        joy = i % 2 == 0
        text = (JOY if joy else SAD)[i % 3] + f" {i}"
        data.add(text, None, frozenset({"joy"} if joy else {"sadness"}), "ru")
    return data


def test_the_shipped_model_reads_each_scripts_emotions_with_its_own_model(
    tmp_path: Path,
) -> None:
    shipped = BuiltinModel.load(SHIPPED)
    assert shipped.cyrillic is not None and shipped.latin is not None
    texts = ["Я так рада, спасибо!", "Мне страшно и грустно", "I am so happy, thank you!", "🙂"]
    _, emotion = shipped.probabilities(texts)
    cyr = shipped.cyrillic.probabilities(texts[:2])
    assert np.allclose(emotion[:2], cyr)  # Cyrillic rows: the Cyrillic model
    assert np.allclose(emotion[2], shipped.latin.probabilities(texts[2:3]))  # Latin: the Latin
    without = with_scripts(shipped, None, shipped.latin)
    assert np.allclose(without.probabilities(texts)[1][2:], emotion[2:])  # others unchanged
    assert not np.allclose(without.probabilities(texts)[1][:2], cyr)  # Cyrillic: the shared
    assert without.version != shipped.version
    shared = with_scripts(shipped, None, None)
    assert np.allclose(shared.probabilities(texts)[1][3], emotion[3])  # no letters: shared
    assert not np.allclose(shared.probabilities(texts)[1][2], emotion[2])
    assert shipped.score(texts)[0].labels == ["joy", "gratitude"]
    shipped.save(tmp_path / "m.npz")
    again = BuiltinModel.load(tmp_path / "m.npz")
    assert again.version == shipped.version
    assert np.allclose(again.probabilities(texts)[1], emotion, atol=1e-3)


def test_fit_thresholds_and_the_customers_own_emotions() -> None:
    assert fit_cyrillic(_labelled(MIN_ROWS - 1)) is None
    cyr = fit_cyrillic(_labelled(MIN_ROWS))
    assert cyr is not None
    joy, sadness = 3, 4
    p = cyr.probabilities(["Ура, мы победили!", "Мне грустно и одиноко"])
    assert p[0, joy] >= cyr.thresholds[joy] > p[1, joy]
    assert p[1, sadness] >= cyr.thresholds[sadness] > p[0, sadness]
    assert cyr.intercept[0] == -20.0  # anger never seen: never predicted
    english = Labelled()
    for i in range(MIN_ROWS):
        happy = i % 2 == 0
        english.add(("So happy, we won!" if happy else "I feel so sad and alone.") + f" {i}",
                    None, frozenset({"joy"} if happy else {"sadness"}), "en")  # fmt: skip
    assert fit_latin(_labelled(MIN_ROWS)) is None  # no Latin-script rows
    lat = fit_latin(english)
    assert lat is not None and lat.script == "latin"
    p = lat.probabilities(["We won, so happy", "sad and alone"])
    assert p[0, joy] >= lat.thresholds[joy] > p[1, joy]
    shipped = BuiltinModel.load(SHIPPED)
    rows = Labelled()
    for i in range(60):
        rows.add(("Чудово, дякую" if i % 2 else "Жахливо, злюся") + f" {i}", None,
                 frozenset({"joy"} if i % 2 else {"anger"}), "uk")  # fmt: skip
    theirs = retrain(shipped, rows, "emotion")
    assert theirs.cyrillic is None and theirs.latin is None  # theirs for every script
    sentiment = Labelled()
    for i in range(30):
        sentiment.add(f"Добре {i}" if i % 2 else f"Погано {i}", "positive" if i % 2 else
                      "negative", None, "uk")  # fmt: skip
    kept = retrain(shipped, sentiment, "sentiment")
    assert kept.cyrillic is shipped.cyrillic and kept.latin is shipped.latin


def test_log_count_ratio_by_hand() -> None:
    from scipy import sparse

    # Column 0 in both texts with the emotion, column 1 in the one without, column 2 in all.
    x = sparse.csr_matrix(np.array([[2.0, 0, 1], [1, 0, 1], [0, 3, 1]]))
    y = np.array([True, True, False])
    # with: counts 1+2, 1+0, 1+2 of 7; without: 1+0, 1+1, 1+1 of 5
    expected = np.log(np.array([3, 1, 3]) / 7) - np.log(np.array([1, 2, 2]) / 5)
    assert np.allclose(log_count_ratio(x, y), expected)
