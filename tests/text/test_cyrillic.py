"""The separate emotion model for Cyrillic-script texts: stored and read back, used only for
Cyrillic texts, dropped when the customer trains their own emotions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cxm.text.builtin import SHIPPED, BuiltinModel, retrain, with_cyrillic
from cxm.text.cyrillic import MIN_ROWS, fit_cyrillic
from cxm.text.labels import Labelled

JOY = ["Я так рада, спасибо большое!", "Ура, наконец-то отпуск!", "Как же здорово, мы победили!"]
SAD = ["Мне очень грустно и одиноко.", "Сегодня умерла моя собака.", "Плачу весь вечер, тоска."]


def _labelled(n: int) -> Labelled:
    data = Labelled()
    for i in range(n):
        joy = i % 2 == 0
        text = (JOY if joy else SAD)[i % 3] + f" {i}"
        data.add(text, None, frozenset({"joy"} if joy else {"sadness"}), "ru")
    return data


def test_the_shipped_model_reads_cyrillic_emotions_with_its_own_model(tmp_path: Path) -> None:
    shipped = BuiltinModel.load(SHIPPED)
    assert shipped.cyrillic is not None
    texts = ["Я так рада, спасибо!", "Мені страшно і сумно", "I am so happy, thank you!"]
    _, emotion = shipped.probabilities(texts)
    cyr = shipped.cyrillic.probabilities(texts[:2])
    assert np.allclose(emotion[:2], cyr)  # Cyrillic rows: the Cyrillic model
    without = with_cyrillic(shipped, None)
    assert np.allclose(without.probabilities(texts)[1][2], emotion[2])  # Latin: the shared one
    assert without.version != shipped.version
    assert shipped.score(texts)[0].labels == ["joy"]
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
    shipped = BuiltinModel.load(SHIPPED)
    rows = Labelled()
    for i in range(60):
        rows.add(("Чудово, дякую" if i % 2 else "Жахливо, злюся") + f" {i}", None,
                 frozenset({"joy"} if i % 2 else {"anger"}), "uk")  # fmt: skip
    assert retrain(shipped, rows, "emotion").cyrillic is None  # theirs for every script
    sentiment = Labelled()
    for i in range(30):
        sentiment.add(f"Добре {i}" if i % 2 else f"Погано {i}", "positive" if i % 2 else
                      "negative", None, "uk")  # fmt: skip
    assert retrain(shipped, sentiment, "sentiment").cyrillic is shipped.cyrillic
