"""The review polarity lexicon: word forms, negation, intensifiers, contrast, sarcasm."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cxm.text.builtin import SHIPPED, BuiltinModel, retrain
from cxm.text.labels import Labelled
from cxm.text.polarity import VERSION, adjust, polarity, word_weight


def _fold(word: str) -> str:
    return word.lower().translate(str.maketrans("іїєґ'", "иилег")).replace("'", "")


def test_word_forms_and_both_spellings_match_one_entry() -> None:
    for word in ("задоволена", "задоволений", "задоволені", "довольна", "доволен"):
        assert word_weight(_fold(word)) == 1.0, word
    for word in ("жахливо", "ужасно", "terrible", "розчарована", "разочарован"):
        assert word_weight(_fold(word)) == -1.0, word
    # A longer entry of weight 0 blocks a word that only starts like a complaint.
    assert word_weight("late") == -0.7 and word_weight("later") == 0.0
    assert word_weight("mess") == -1.0 and word_weight("messages") == 0.0
    assert word_weight("стол") == 0.0


@pytest.mark.parametrize(
    ("text", "positive", "negative"),
    [
        ("Задоволена", 1.0, 0.0),
        ("Дуже задоволена", 1.5, 0.0),  # an intensifier: 1.5 times
        ("Не рекомендую", 0.0, 1.0),  # a negated praise word is complaint
        ("Ні разу не пошкодувала", 0.8, 0.0),  # a negated complaint: 0.8 of praise
        ("Not happy at all", 0.0, 1.0),
        ("Кур'єр не приїхав", 0.0, 0.7),  # a service that failed
        ("The driver didn't call", 0.0, 0.7),
        ("Доставка запізнилась, але кур'єр ввічливий", 1.0, 0.5),  # before "але": half
        ("Хоча доставка запізнилась, все чудово", 1.0, 0.5),  # a concession: half
        ("Ну дякую, супер сервіс", 0.0, 2.0),  # sarcasm: its praise is complaint
        ('"Швидка" доставка за три тижні', 0.0, 0.6),  # praise in quotes: sarcasm
        ("Больше никогда, деньги на ветер", 0.0, 3.0),  # two phrases of 1.5
        ("Ставлю п'ять зірок", 1.5, 0.0),
        ("Стол стоит в углу", 0.0, 0.0),
        # Complaints told as facts: repeated tries, a state that has "still" not changed.
        ("Дзвонила чотири рази", 0.0, 1.0),
        ("Третий раз звоню в поддержку", 0.0, 1.0),
        ("Дзвоню втретє", 0.0, 1.0),
        ("Tracking still says processing", 0.0, 1.4),  # "still" 0.4 and the phrase 1.0
        ("Нібито було в наявності", 0.0, 0.7),
        ("Беру тут побутову хімію вже третій рік", 0.0, 0.0),  # a third year is no retry
        # A count that tells loyalty is no retry: 0.5 of praise, and no complaint.
        ("Замовляю тут вже п'ятий раз", 0.5, 0.0),
        ("Заказываю здесь уже пятый раз", 0.5, 0.0),
        ("I've ordered here five times", 0.5, 0.0),
        # The comma: a retry (1), and the wrong size a failure state of r4 (1).
        ("Заказываю, и уже третий раз не тот размер", 0.0, 2.0),
        # Praise of the past (r5): its word still counts (1), the let-down as complaint (2).
        ("Прикро, бо раніше все було вчасно", 1.0, 2.0),
        ("Раньше всё было вовремя", 1.0, 2.0),
        ("It used to arrive on time", 0.0, 2.0),
        ("Раніше було гірше, тепер все вчасно", 1.0, 1.0),  # the past was worse: no let-down
    ],
)
def test_praise_and_complaint_of_a_text(text: str, positive: float, negative: float) -> None:
    p, n, _, _ = polarity(text)
    assert (round(p, 3), round(n, 3)) == (positive, negative)


def test_questions_and_lukewarm_words_lean_to_neutral() -> None:
    assert polarity("Чи можна оплатити частинами?")[2] == 1.0
    assert polarity("Подскажите, есть ли доставка в Киев")[2] == 1.0
    assert polarity("Доставка була вчасно.")[2] == 0.0
    assert polarity("Звичайний магазин, нічого особливого")[3] == 2.0
    assert polarity("Average store, nothing special")[3] == 2.0


def test_adjust_moves_probabilities_by_hand_computed_log_odds() -> None:
    p = np.array([[0.2, 0.6, 0.2], [0.2, 0.6, 0.2]])
    out = adjust(p, ["Задоволена", "Стол стоит"], weight=1.5)
    # Praise of 1: positive gains 1.5 log-odds; nothing moves the second text.
    z = 0.2 + 0.6 + 0.2 * math.exp(1.5)
    assert out[0] == pytest.approx([0.2 / z, 0.6 / z, 0.2 * math.exp(1.5) / z], abs=1e-6)
    assert out[1] == pytest.approx(p[1])
    assert adjust(p, ["Задоволена", "x"], weight=0.0) is p


def test_the_shipped_model_reads_reviews_with_the_lexicon() -> None:
    shipped = BuiltinModel.load()
    assert shipped.polarity > 0 and f"-{VERSION}-fe" in shipped.version
    read = shipped.score(
        [
            "Ні разу не пошкодувала, що замовила тут. Рекомендую!",
            "Не рекомендую, кросівки розклеїлися через місяць.",
            "Больше никогда не закажу, деньги на ветер.",
            "Never again. Rude staff and a dirty store.",
        ]
    )
    assert [s.sentiment for s in read] == ["positive", "negative", "negative", "negative"]


def test_a_sentiment_model_trained_on_own_labels_keeps_the_lexicon(tmp_path: Path) -> None:
    data = Labelled()
    for label, words in (
        ("positive", "чудово дякую"),
        ("negative", "жахливо погано"),
        ("neutral", "замовлення отримано"),
    ):
        for i in range(6):
            data.add(f"{words} {i}", label, frozenset(), "uk")
    shipped = BuiltinModel.load(SHIPPED)
    own = retrain(shipped, data, "sentiment")  # a correction of the shipped weights
    assert own.polarity == shipped.polarity
    own.save(tmp_path / "org.npz")
    assert BuiltinModel.load(tmp_path / "org.npz").polarity == shipped.polarity
    # Learning emotions keeps the shipped sentiment and its lexicon, saved and read back.
    for i in range(6):
        data.add(f"злий лютий {i}", None, frozenset({"anger"}), "uk")
        data.add(f"радий щасливий {i}", None, frozenset({"joy"}), "uk")
    emotions = retrain(shipped, data, "emotion")
    assert emotions.polarity == shipped.polarity and f"-{VERSION}-fe" in emotions.version
    emotions.save(tmp_path / "org-2.npz")
    again = BuiltinModel.load(tmp_path / "org-2.npz")
    assert again.polarity == shipped.polarity and again.version == emotions.version
