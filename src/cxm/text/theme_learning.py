"""Learning the customer's own wording of its themes from labelled texts, as taxonomy keywords.

The taxonomy stays what it was, a list of words a person can read and edit; learning only
adds keywords, so matching, highlighting, storage and versioning are the taxonomy's own.

For each key a file labels (``delivery/late``, or a theme ``delivery``), a candidate is a
word whose lemma occurs in at least ``MIN_COUNT`` of its texts, with at least
``MIN_PRECISION`` of the texts containing it labelled with the key, and which the taxonomy
does not have yet. Candidates are taken in order of their smoothed log-odds of the key and
kept when they raise the key's F1 on the texts learnt from (at most ``MAX_PER_KEY`` a
key). A candidate is added as the word form the texts use most, under the language that
reads those texts (as the taxonomy stores keywords); a key labelled at theme level gets its
words in a sub-theme ``learnt`` of that theme.

Whether the words help is judged out of fold: the file is split into ``FOLDS`` folds; words
are learnt on the other folds and the held-out fold is read with the current taxonomy and
with the taxonomy plus those words. A key keeps its words only when its out-of-fold F1
rises; the words kept are then learnt from the whole file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cxm.text.discovery import STOP_WORDS
from cxm.text.lemmas import analyser_language, tokens
from cxm.text.taxonomy import MAX_PHRASES, Taxonomy, parse_taxonomy
from cxm.text.theme_labels import ThemeLabels, read_all, theme_report
from cxm.text.themes import phrase_lemmas

MIN_COUNT = 3
MIN_PRECISION = 0.7
MAX_PER_KEY = 10
FOLDS = 5
LEARNT = "learnt"
LEARNT_NAMES = {"en": "Learnt from labels", "uk": "Вивчене з розмітки",
                "ru": "Изученное по разметке"}  # fmt: skip


@dataclass(frozen=True)
class Keyword:
    key: str  # the label it was learnt for: "theme/sub" or "theme"
    language: str
    word: str
    positives: int  # texts labelled with the key that contain it
    negatives: int  # other texts that contain it

    def target(self) -> str:
        """The sub-theme the keyword goes into."""
        return self.key if "/" in self.key else f"{self.key}/{LEARNT}"


@dataclass
class ThemeTraining:
    taxonomy_before: str
    taxonomy_after: str | None  # None when nothing was added
    folds: int
    before: dict[str, Any]  # out-of-fold report of the current taxonomy
    after: dict[str, Any]  # out-of-fold report with the words kept
    added: list[Keyword] = field(default_factory=list)
    not_kept: dict[str, dict[str, float]] = field(default_factory=dict)  # key -> F1s

    def as_dict(self) -> dict[str, Any]:
        added: dict[str, list[dict[str, Any]]] = {}
        for k in self.added:
            added.setdefault(k.target(), []).append(
                {"language": k.language, "keyword": k.word, "positives": k.positives,
                 "negatives": k.negatives}
            )  # fmt: skip
        return {
            "taxonomy_before": self.taxonomy_before,
            "taxonomy_after": self.taxonomy_after,
            "folds": self.folds,
            "cross_validated": {
                "before": {k: self.before[k] for k in ("micro_f1", "macro_f1")},
                "after": {k: self.after[k] for k in ("micro_f1", "macro_f1")},
                "per_theme": {
                    key: {
                        "before": v["f1"],
                        "after": self.after["per_theme"][key]["f1"],
                        "n": v["n"],
                    }
                    for key, v in self.before["per_theme"].items()
                },
            },  # fmt: skip
            "added": added,
            "not_kept": self.not_kept,
        }


@dataclass(frozen=True)
class _Read:
    language: str
    lemmas: frozenset[str]
    forms: dict[str, str]  # lemma -> a word form of it in the text


def _read(data: ThemeLabels) -> list[_Read]:
    out = []
    for text, given in zip(data.texts, data.language, strict=True):
        language = analyser_language(text, given)
        forms: dict[str, str] = {}
        for t in tokens(text, language):
            forms.setdefault(t.lemma, text[t.start : t.end].lower())
        out.append(_Read(language, frozenset(forms), forms))
    return out


def _known(taxonomy: Taxonomy) -> dict[str, set[str]]:
    """Per sub-theme ("theme/sub"), the lemmas of its phrases; under "", the one-word
    keywords of the whole taxonomy (a word matched already wherever it goes)."""
    known: dict[str, set[str]] = {"": set()}
    for theme in taxonomy.themes:
        for sub in theme.subthemes:
            mine = known.setdefault(f"{theme.key}/{sub.key}", set())
            for kind in (sub.keywords, sub.examples):
                for language, phrases in kind.items():
                    for phrase in phrases:
                        for read in phrase_lemmas(phrase, language):
                            mine.update(read)
                            if len(read) == 1 and kind is sub.keywords:
                                known[""].add(read[0])
    return known


def _f1(hits: set[int], positives: set[int]) -> float:
    tp = len(hits & positives)
    return 2 * tp / (len(hits) + len(positives)) if hits or positives else 0.0


def learn_keywords(
    data: ThemeLabels, taxonomy: Taxonomy, readings: Sequence[frozenset[str]] | None = None
) -> list[Keyword]:
    """The words learnt from ``data`` for each key it labels (see the module's notes);
    ``readings`` are the taxonomy's readings of its texts (read when not given)."""
    readings = list(readings) if readings is not None else read_all(data, taxonomy)
    texts = _read(data)
    truth = data.truth()
    known = _known(taxonomy)
    where: dict[str, set[int]] = {}  # lemma -> the texts with it
    for i, t in enumerate(texts):
        for lemma in t.lemmas:
            where.setdefault(lemma, set()).add(i)
    out: list[Keyword] = []
    for key in sorted(set().union(*data.themes)):
        positives = {i for i, t in enumerate(truth) if key in t}
        hits = {i for i, r in enumerate(readings) if key in r}
        have = known[""] | known.get(key if "/" in key else f"{key}/{LEARNT}", set())
        scored = []
        for lemma in sorted({w for i in positives for w in texts[i].lemmas}):
            if len(lemma) < 3 or lemma in STOP_WORDS or lemma in have:
                continue
            word, language = _form(lemma, [texts[i] for i in positives])
            readable = {r[0] for r in phrase_lemmas(word, language) if len(r) == 1}
            if not readable or readable & have:
                continue
            matched = set().union(*(where.get(r, set()) for r in readable))
            a, b = len(matched & positives), len(matched - positives)
            if a < MIN_COUNT or a / (a + b) < MIN_PRECISION:
                continue
            rest = len(texts) - len(positives)
            odds = math.log((a + 0.5) / (len(positives) - a + 0.5)) - math.log(
                (b + 0.5) / (rest - b + 0.5)
            )
            scored.append((-odds, word, language, a, b, matched))
        taken = 0
        for _, word, language, a, b, matched in sorted(scored, key=lambda s: s[:2]):
            if taken >= MAX_PER_KEY:
                break
            if _f1(hits | matched, positives) > _f1(hits, positives) + 1e-9:
                hits |= matched
                out.append(Keyword(key, language, word, a, b))
                taken += 1
    return out


def _form(lemma: str, texts: list[_Read]) -> tuple[str, str]:
    """The word form of ``lemma`` its texts use most, and their most usual language."""
    forms = Counter(t.forms[lemma] for t in texts if lemma in t.forms)
    languages = Counter(t.language for t in texts if lemma in t.forms)
    return forms.most_common(1)[0][0], languages.most_common(1)[0][0]


def with_keywords(taxonomy: Taxonomy, keywords: Sequence[Keyword]) -> Taxonomy:
    """``taxonomy`` with the keywords added (a ``learnt`` sub-theme where one is needed)."""
    if not keywords:
        return taxonomy
    definition = taxonomy.as_dict()
    themes = {t["key"]: t for t in definition["themes"]}
    for k in keywords:
        theme_key, _, sub_key = k.target().partition("/")
        theme = themes[theme_key]
        sub = next((s for s in theme["subthemes"] if s["key"] == sub_key), None)
        if sub is None:
            sub = {"key": sub_key, "names": dict(LEARNT_NAMES), "keywords": {}, "examples": {}}
            theme["subthemes"].append(sub)
        words = sub["keywords"].setdefault(k.language, [])
        if k.word not in words and len(words) < MAX_PHRASES:
            words.append(k.word)
    return parse_taxonomy(definition)


def folds_of(data: ThemeLabels, k: int) -> list[list[int]]:
    """``k`` folds, each with a share of every labelling (texts ordered by their labels)."""
    order = sorted(range(len(data)), key=lambda i: (" ".join(sorted(data.themes[i])), i))
    return [order[f::k] for f in range(k)]


def train_themes(data: ThemeLabels, taxonomy: Taxonomy, k: int = FOLDS) -> ThemeTraining:
    """Learn words for the labelled keys, keep a key's words only when its out-of-fold F1
    rises, and return the taxonomy's new version (``taxonomy_after``; None when nothing
    was kept) with what was added; call ``with_keywords`` with ``added`` to build it."""
    readings = read_all(data, taxonomy)
    truth, judged = data.truth(), data.judged()
    folds = folds_of(data, k)
    learnt: list[list[Keyword]] = []
    tried: list[frozenset[str]] = list(readings)
    for held in folds:
        train = sorted(set(range(len(data))) - set(held))
        words = learn_keywords(data.subset(train), taxonomy, [readings[i] for i in train])
        learnt.append(words)
        extended = read_all(data.subset(held), with_keywords(taxonomy, words))
        for i, reading in zip(held, extended, strict=True):
            tried[i] = reading
    before = theme_report(truth, readings, judged)
    all_words = theme_report(truth, tried, judged)
    keys = sorted({w.key for words in learnt for w in words})
    f1s = {key: {"before": before["per_theme"][key]["f1"],
                 "after": all_words["per_theme"][key]["f1"]} for key in keys}  # fmt: skip
    kept = {key for key, f1 in f1s.items() if f1["after"] > f1["before"] + 1e-9}
    not_kept = {key: f1 for key, f1 in f1s.items() if key not in kept}
    after = before
    if kept:
        final = list(readings)
        for held, words in zip(folds, learnt, strict=True):
            chosen = with_keywords(taxonomy, [w for w in words if w.key in kept])
            for i, reading in zip(held, read_all(data.subset(held), chosen), strict=True):
                final[i] = reading
        after = theme_report(truth, final, judged)
    result = ThemeTraining(taxonomy.version, None, k, before, after, not_kept=not_kept)
    if kept and after["micro_f1"] > before["micro_f1"] + 1e-9:
        added = [w for w in learn_keywords(data, taxonomy, readings) if w.key in kept]
        if added:
            result.added = added
            result.taxonomy_after = with_keywords(taxonomy, added).version
    return result
