"""Learning the customer's own sentiment moves the shipped model instead of replacing it."""

from __future__ import annotations

import numpy as np

from cxm.text.adaptation import adapt_sentiment
from cxm.text.builtin import SHIPPED, BuiltinModel, adapt, retrain
from cxm.text.labels import Labelled
from cxm.text.polarity import VERSION as POLARITY_VERSION

# A shop's own complaints in its own words (an error code, a warning light): the shipped
# model reads most as neutral.
THINGS = ["Чайник", "Бойлер", "Кавоварка", "Пральна машина", "Холодильник", "Зволожувач",
          "Посудомийка", "Мультиварка", "Праска", "Кондиціонер", "Обігрівач", "Фільтр"]  # fmt: skip
FAULTS = ["показує код E21", "світиться помаранчевим", "гуде вночі"]


def _shop_labels() -> Labelled:
    data = Labelled()
    for i, thing in enumerate(THINGS[:8]):
        for fault in FAULTS:
            data.add(f"{thing} {fault}.", "negative", None, "uk")
        data.add(f"{thing} чудовий, дуже дякую!", "positive", None, "uk")
        data.add(f"Все супер, {thing.lower()} працює ідеально, рекомендую.", "positive", None, "uk")
        data.add(f"{thing} отримав у відділенні {i + 1} числа.", "neutral", None, "uk")
        data.add(f"Забрав {thing.lower()} сьогодні.", "neutral", None, "uk")
    return data


def test_own_labels_teach_a_complaint_the_shipped_model_reads_as_neutral() -> None:
    shipped = BuiltinModel.load(SHIPPED)
    unseen = [f"{thing} {fault}." for thing in THINGS[8:] for fault in FAULTS]
    before = [s.sentiment for s in shipped.score(unseen)]
    assert before.count("neutral") >= len(unseen) // 2  # the gap the labels are for

    own, found = adapt(shipped, _shop_labels())
    assert (
        found.strength is not None and found.scores[str(found.strength)] > found.scores["shipped"]
    )
    after = [s.sentiment for s in own.score(unseen)]
    assert after.count("negative") == len(unseen)
    # What the shipped model already read right stays right, and the lexicon stays on.
    assert [s.sentiment for s in own.score(["Дякую, все чудово!", "Жахливо, більше ніколи."])] == [
        "positive",
        "negative",
    ]
    assert own.polarity == shipped.polarity and own.cyrillic is shipped.cyrillic
    assert own.latin is shipped.latin
    assert own.version != shipped.version and f"-{POLARITY_VERSION}-fe" in own.version
    assert own.feedback is shipped.feedback  # gratitude and disappointment: the shipped reader


def test_labels_that_add_nothing_keep_the_shipped_model() -> None:
    shipped = BuiltinModel.load(SHIPPED)
    data = Labelled()
    texts = [f"{thing} {fault}." for thing in THINGS for fault in FAULTS]
    texts += [f"{thing} чудовий, дуже дякую!" for thing in THINGS]
    texts += ["Жахливо, більше ніколи не замовлю.", "Це просто жах, я в люті."] * 3
    for text, reading in zip(texts, shipped.score(texts), strict=True):
        data.add(text, reading.sentiment, None, "uk")  # the shipped model's own readings
    found = adapt_sentiment(shipped, data)
    assert found.scores["shipped"] == 1.0 and found.strength is None
    assert np.array_equal(found.coef, shipped.sentiment_coef.astype(np.float32))
    assert retrain(shipped, data, "sentiment") is shipped


def test_labels_of_two_classes_move_only_those_two() -> None:
    # Star-rated reviews often give only negative and positive: the correction learns to
    # tell them apart and leaves neutral as shipped, so plain statements still read neutral.
    # Praise told as plain facts leans negative in the shipped model; the labels teach it.
    praise = ["миттєво закипає", "відмиває все дочиста", "гріє за хвилину"]
    shipped = BuiltinModel.load(SHIPPED)
    data = Labelled()
    for thing in THINGS[:8]:
        for fault, good in zip(FAULTS, praise, strict=True):
            data.add(f"{thing} {fault}.", "negative", None, "uk")
            data.add(f"{thing} {good}.", "positive", None, "uk")
    unseen = [f"{thing} {good}." for thing in THINGS[8:] for good in praise]
    assert sum(r.sentiment_score < 0 for r in shipped.score(unseen)) >= len(unseen) // 3
    own, found = adapt(shipped, data)
    assert found.strength is not None
    assert np.array_equal(own.sentiment_coef[1], shipped.sentiment_coef[1])
    assert own.sentiment_intercept[1] == shipped.sentiment_intercept[1]
    assert all(r.sentiment_score > 0 for r in own.score(unseen))
    complaints = [f"{thing} {fault}." for thing in THINGS[8:] for fault in FAULTS]
    assert all(r.sentiment_score < 0 for r in own.score(complaints))
