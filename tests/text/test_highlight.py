"""Highlighted phrases of a comment: themes, stored aspects, sentiment and emotion words."""

from __future__ import annotations

from cxm.text.highlight import pieces
from cxm.text.polarity import spans

TEXT = "Доставка запізнилась на тиждень, але кур'єр був ввічливий. Не рекомендую <b>їх</b>"


def _marked(found: list[object]) -> dict[str, list[str]]:
    return {p.text: p.marks for p in found if p.marks}  # type: ignore[attr-defined]


def test_each_stored_aspect_marks_its_clause_with_its_sentiment() -> None:
    late, polite = TEXT.index("Доставка"), TEXT.index("кур'єр")
    aspects = [
        {"aspect": "delivery", "sentiment": "negative", "start": late, "end": TEXT.index(",")},
        {"aspect": "courier", "sentiment": "positive", "start": polite,
         "end": TEXT.index(".")},
    ]  # fmt: skip
    found = pieces(TEXT, {"delivery/late": [[late, late + 8]]}, None, (), aspects)
    assert "".join(p.text for p in found) == TEXT  # nothing lost, nothing added
    marked = _marked(found)
    assert marked["Доставка"] == ["aspect:delivery:negative", "theme:delivery/late"]
    assert marked[" запізнилась на тиждень"] == ["aspect:delivery:negative"]
    assert marked["кур'єр був ввічливий"] == ["aspect:courier:positive"]
    assert "<b>їх</b>" not in marked  # outside every clause: plain text


def test_a_clause_outside_the_text_marks_nothing() -> None:
    gone = [{"aspect": "price", "sentiment": "negative", "start": 500, "end": 600}]
    assert [p.text for p in pieces("Дорого", {}, None, (), gone)] == ["Дорого"]
    assert pieces("Дорого", {}, None, (), gone)[0].marks == []


def test_sentiment_words_include_the_review_lexicon_read_with_negation() -> None:
    start = TEXT.index("рекомендую")
    assert (start, start + len("рекомендую")) in spans(TEXT, "negative")  # "не рекомендую"
    assert (start, start + len("рекомендую")) not in spans(TEXT, "positive")
    marked = _marked(pieces(TEXT, {}, "negative", ()))
    assert marked["рекомендую"] == ["negative"] and marked["запізнилась"] == ["negative"]
    # A sarcastic review: its praise counts for negative.
    sarcastic = 'Ну дякую, "швидка" доставка'
    assert spans(sarcastic, "negative") == [(3, 8), (11, 17)]  # "дякую", "швидка"
    assert spans(sarcastic, "positive") == []


def test_places_hold_after_a_letter_whose_lower_case_is_longer() -> None:
    text = "İstanbul: не рекомендую"
    start = text.index("рекомендую")
    assert spans(text, "negative") == [(start, start + len("рекомендую"))]
