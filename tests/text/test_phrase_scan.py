"""The phrase scan finds what the plain alternation finds, dispatched on first characters."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from cxm.text import feedback_emotions
from cxm.text.lexicon import fold
from cxm.text.phrase_scan import PhraseScan, alternatives, first_chars

DATA = Path(__file__).resolve().parents[1] / "data"


def test_alternatives_split_at_the_top_level_only() -> None:
    assert alternatives(r"a|(b|c)d|[|x]y|\|z") == ["a", "(b|c)d", "[|x]y", r"\|z"]
    assert alternatives(r"[]|]|[^]|]q") == ["[]|]", "[^]|]q"]


@pytest.mark.parametrize(
    ("pattern", "chars"),
    [
        (r"\bабв", {"а"}),
        (r"\b(ні|ни) разу", {"н"}),
        (r"(?<!чем )(ожидал|думал)", {"о", "д"}),
        (r"(\w+ )?не", None),  # a class of any word character
        (r"(дуже )?сумно", {"д", "с"}),  # an optional first word
        (r"[а-в]x", {"а", "б", "в"}),
        (r"x?", None),  # may match nothing
    ],
)
def test_first_characters_of_a_pattern(pattern: str, chars: set[str] | None) -> None:
    assert first_chars(pattern) == (None if chars is None else frozenset(chars))


def test_the_scan_finds_what_the_alternation_finds() -> None:
    named = [
        ("a", [r"\b(?:не (підвел|подвел)\w*)\b", r"\b(?:(\w+ )?разу не)\b"]),
        ("b", [r"\b(?:не\w*)", r"\b(?:разу)\w*"]),
    ]
    plain = re.compile("|".join(f"(?P<{n}>{'|'.join(alts)})" for n, alts in named))
    scan = PhraseScan(named)
    for text in ["жодного разу не підвели", "не знаю", "разу не", "незнаю разуміти"]:
        assert [(g, m.span()) for g, m in scan.finditer(text)] == [
            (m.lastgroup, m.span()) for m in plain.finditer(text)
        ], text


def test_the_feedback_phrases_scan_as_their_plain_alternation_on_every_labelled_text() -> None:
    plain = re.compile(
        "|".join(
            [rf"(?P<{n}_phrase>\b(?:{fold(p)})\b)" for n, p in feedback_emotions._PHRASES.items()]
            + [rf"(?P<{n}_word>\b(?:{s})\w*)" for n, s in feedback_emotions._STARTS.items()]
        )
    )
    texts = []
    for path in sorted(DATA.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh) if row.get("text")]
    assert len(texts) > 2_500
    found = 0
    for text in texts:
        folded = fold(text[:2_000])
        want = [(m.lastgroup, m.span()) for m in plain.finditer(folded)]
        assert [(g, m.span()) for g, m in feedback_emotions._HITS.finditer(folded)] == want
        found += len(want)
    assert found > 1_000
