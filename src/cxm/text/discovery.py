"""Discovered themes: clusters of comments no taxonomy theme covers, named by telling words.

The comments whose newest reading has no theme are represented by TF-IDF over their stored
lemmas (Ukrainian and Russian letters folded alike and Cyrillic terms cut to five letters,
so shared roots such as посилка and посылка meet whether Ukrainian was read by the dictionary
or the stemmer; words under three letters and a short stop list left out) and clustered by
average-linkage agglomeration on cosine distance: groups join while their texts are on
average more alike than ``DISTANCE`` allows, so one topic told in several wordings stays one
cluster, and no number of clusters has to be guessed.
A cluster is named by the terms that weigh most in its centre, each as its lemma when the
comments use that word, else as the word they use most for it (never a cut stem); per
language, its keywords
are those terms in the form its comments in that language use, ready to be promoted into
the taxonomy.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from cxm.text.lexicon import fold

MAX_TEXTS = 3_000  # the newest; average linkage holds an n x n distance matrix
MIN_TEXTS = 20
CYRILLIC_ROOT = 5
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
DISTANCE = 0.95  # average cosine distance under which groups join (similarity over 0.05)
_STOP_WORDS = """але або вже все всі так так цей цього мене мені вас вам нас нам він вона вони
    його її
    для про при через після щоб що як коли також тільки дуже ще ось там тут був бути весь
    это этот эта уже всё все так как когда только очень еще вот там тут был быть весь для
    про при через после чтобы что меня мне вас вам нас нам она они его тоже сам сама само
    самий самый
    the and for with this that was were have has had not but you your are our they them
    from about very just all any there their been will would can could again what when"""
_STOP = frozenset(_STOP_WORDS.split())
STOP_WORDS = _STOP  # also left out of the keywords learnt from labels


@dataclass(frozen=True)
class Uncovered:
    id: int
    text: str
    lemmas: str
    language: str
    occurred_at: datetime


@dataclass
class Cluster:
    number: int
    name: str
    terms: list[str]
    size: int
    ids: list[int]
    examples: list[str]
    keywords: dict[str, list[str]]  # language -> lemmas in that language's form
    by_month: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # the terms as the comments say them

    @property
    def keywords_json(self) -> str:
        """The keywords as the promote form shows them (readable, not \\u-escaped)."""
        return json.dumps(self.keywords, ensure_ascii=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "name": self.name, "terms": self.terms, "size": self.size,
            "examples": self.examples, "keywords": self.keywords, "by_month": self.by_month,
            "languages": self.languages, "ids": self.ids[:200], "words": self.words,
        }  # fmt: skip


def _key(word: str) -> str:
    """The term a lemma counts as: letters folded, Cyrillic cut to its first five letters, so
    a Ukrainian stem and the Russian lemma of the same root meet (упаковк / упаковка)."""
    folded = fold(word)
    return folded[:CYRILLIC_ROOT] if _CYRILLIC.match(folded) else folded


def _terms(lemmas: str) -> list[str]:
    return [_key(w) for w in lemmas.split() if len(w) >= 3 and w not in _STOP]


def _shown_form(forms: Counter[str] | None, term: str) -> str:
    """How a term is shown: its commonest whole word (a dictionary lemma over a cut stem)."""
    if not forms:
        return term
    whole = [(n, w) for w, n in forms.items() if len(w) > CYRILLIC_ROOT + 1]
    return max(whole)[1] if whole else forms.most_common(1)[0][0]


def _spoken_forms(members: list[Uncovered]) -> dict[str, Counter[str]]:
    """Per term, the words the members' texts use for it, lower case."""
    from cxm.text.lemmas import analyser_language, tokens

    found: dict[str, Counter[str]] = defaultdict(Counter)
    for m in members:
        for t in tokens(m.text, analyser_language(m.text, m.language)):
            found[_key(t.lemma)][m.text[t.start : t.end].lower()] += 1
    return found


def _spoken(term: str, lemma: str, spoken: dict[str, Counter[str]]) -> str:
    """How a term reads in a name: its lemma when the texts use that word, else the word they
    use most for it (a stem such as "пошко" or "damag" is no name)."""
    words = spoken.get(term)
    if not words or lemma in words:
        return lemma
    return words.most_common(1)[0][0]


def discover(items: list[Uncovered], min_size: int | None = None) -> list[Cluster]:
    """Clusters of the given uncovered comments, largest first (none under ``min_size``)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    items = items[:MAX_TEXTS]
    docs = [_terms(i.lemmas) for i in items]
    kept = [k for k, d in enumerate(docs) if d]
    if len(kept) < MIN_TEXTS:
        return []
    vectorizer = TfidfVectorizer(
        analyzer=lambda d: d, min_df=max(2, len(kept) // 200), max_df=0.5, sublinear_tf=True
    )
    try:
        x = vectorizer.fit_transform([docs[k] for k in kept])
    except ValueError:  # nothing left after min_df/max_df
        return []
    vocabulary = np.array(vectorizer.get_feature_names_out())
    labels = AgglomerativeClustering(
        n_clusters=None, distance_threshold=DISTANCE, metric="cosine", linkage="average"
    ).fit_predict(x.toarray())
    floor = min_size if min_size is not None else max(5, len(kept) // 50)
    forms: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for item in items:
        for w in item.lemmas.split():
            forms[(item.language, _key(w))][w] += 1
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for (_, folded), counted in forms.items():
        shown[folded].update(counted)
    clusters = []
    for c in range(int(labels.max()) + 1):
        rows = np.flatnonzero(labels == c)
        if len(rows) < floor:
            continue
        centre = np.asarray(x[rows].mean(axis=0)).ravel()
        top = [str(vocabulary[j]) for j in np.argsort(-centre)[:8] if centre[j] > 0]
        named = [_shown_form(shown.get(t), t) for t in top]
        members = [items[kept[r]] for r in rows]
        sims = np.asarray(x[rows] @ centre).ravel()
        examples = [members[j].text[:300] for j in np.argsort(-sims)[:3]]
        languages = Counter(m.language for m in members)
        spoken = _spoken_forms(members)
        title = [_spoken(t, n, spoken) for t, n in zip(top, named, strict=True)]
        keywords: dict[str, list[str]] = {}
        for language in ("uk", "ru", "en"):
            if languages.get(language, 0) < 2:
                continue
            found = [forms[(language, t)].most_common(1)[0][0] for t in top
                     if forms.get((language, t))]  # fmt: skip
            if found:
                keywords[language] = found[:4]
        months = Counter(m.occurred_at.strftime("%Y-%m") for m in members)
        clusters.append(
            Cluster(
                c,
                " · ".join(title[:3]),
                named,
                len(rows),
                [m.id for m in members],
                examples,
                keywords,
                dict(sorted(months.items())),
                dict(languages),
                title,
            )  # fmt: skip
        )
    clusters.sort(key=lambda cl: -cl.size)
    for number, cluster in enumerate(clusters, 1):
        cluster.number = number
    return clusters
