"""How well the shipped builtin model reads, as measured on labelled texts it never trained
on: per language, the sentiment of the team's review set's held-out parts
(``models/review-metrics.json``, written by ``python -m cxm.text.review_set FILE --write``),
the six basic emotions (``models/builtin-metrics.json``, from the build) and gratitude,
disappointment and trust (``models/feedback_emotions-metrics.json``, its held-out file).

Shown beside the readings (the Voice page, ``cxm text status``, ``GET /api/v1/text/status``)
only while the shipped models do that reading: an organization's own model, or another
backend, is measured on the organization's labels with ``cxm text evaluate``. On the
organization's own data, sentiment is also compared with its reviews' stars
(``cxm.text.weak_labels.rating_agreement``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cxm.text.builtin import SHIPPED, BuiltinModel

MODELS = Path(__file__).resolve().parent / "models"
# (language, report, set in the report, what the texts are), in the order shown
SETS = (
    ("uk", "builtin", "uk_translated_heldout", "CEDR's held-out sentences, in Ukrainian"),
    ("uk", "builtin", "uk_zero_shot", "the cxm team's Ukrainian feedback sentences"),
    ("uk", "builtin", "uk_fresh_posts", "the cxm team's fresh Ukrainian posts"),
    ("ru", "builtin", "ru_cedr_heldout", "CEDR, Russian sentences held out"),
    ("en", "builtin", "en_goemotions_dev", "GoEmotions dev, English Reddit comments"),
    ("uk", "feedback_emotions", "feedback_trust_fresh3/uk", "the cxm team's held-out feedback"),
    ("ru", "feedback_emotions", "feedback_trust_fresh3/ru", "the cxm team's held-out feedback"),
    ("en", "feedback_emotions", "feedback_trust_fresh3/en", "the cxm team's held-out feedback"),
)  # fmt: skip


# (language, group of the review set, what the reviews are)
REVIEW_SETS = (
    ("uk", "test/uk", "the cxm team's held-out reviews"),
    ("uk", "fresh/uk", "the cxm team's fresh reviews"),
    ("uk", "products/uk", "the cxm team's held-out product reviews"),
    ("uk", "maps/uk", "the cxm team's held-out short public reviews"),
    ("ru", "test/ru", "the cxm team's held-out reviews"),
    ("ru", "fresh/ru", "the cxm team's fresh reviews"),
    ("ru", "products/ru", "the cxm team's held-out product reviews"),
    ("ru", "maps/ru", "the cxm team's held-out short public reviews"),
    ("en", "test/en", "the cxm team's held-out reviews"),
    ("en", "fresh/en", "the cxm team's fresh reviews"),
)


@cache
def _report(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODELS / f"{name}-metrics.json").read_text("utf-8"))
    return data


def measured() -> list[dict[str, Any]]:
    """The shipped model's emotion figures, one row per language and labelled set: macro-F1
    of the emotions the set names (``emotions``: the six basic ones, or the feedback ones),
    how many texts, and its weakest emotion."""
    rows = []
    for language, report, key, data in SETS:
        found = _report(report).get(key) or {}
        figures = found.get("emotion", found)  # the builtin report nests it under "emotion"
        per = figures.get("per_class") or {}
        if figures.get("macro_f1") is None or not per:
            continue
        weakest = min(per, key=lambda e: per[e]["f1"])
        rows.append({
            "language": language,
            "emotions": "basic" if report == "builtin" else "feedback",
            "data": data,
            "n": int(figures["n"]),
            "macro_f1": round(float(figures["macro_f1"]), 3),
            "weakest": weakest,
            "weakest_f1": round(float(per[weakest]["f1"]), 3),
        })  # fmt: skip
    return rows


def sentiment_measured() -> list[dict[str, Any]]:
    """The shipped model's three-way sentiment figures on the review set's held-out parts,
    one row per language and part: macro-F1, accuracy and two-way accuracy (negative and
    positive reviews, a neutral reading counting as wrong)."""
    groups = _report("review")["groups"]
    return [
        {"language": language, "data": data, **groups[key]}
        for language, key, data in REVIEW_SETS
        if key in groups
    ]


def reads_with_shipped_sentiment(model: object) -> bool:
    """Whether ``model`` reads sentiment as the shipped model does (the same weights and
    polarity lexicon; emotions an organization trained leave it so)."""
    if not isinstance(model, BuiltinModel):
        return False
    from cxm.text.backends import load_model

    shipped = load_model(SHIPPED)
    return model is shipped or (
        model.polarity == shipped.polarity
        and np.array_equal(model.sentiment_coef, shipped.sentiment_coef)
        and np.array_equal(model.sentiment_intercept, shipped.sentiment_intercept)
    )


def sentiment_accuracy(model: object) -> list[dict[str, Any]] | None:
    """``sentiment_measured()`` when ``model`` reads sentiment as shipped, else None."""
    return sentiment_measured() if reads_with_shipped_sentiment(model) else None


def reads_with_shipped_emotions(model: object) -> bool:
    """Whether ``model`` reads emotions with the shipped emotion models (a sentiment trained
    by the organization keeps them; emotions it trained replace them)."""
    if not isinstance(model, BuiltinModel):
        return False
    from cxm.text.backends import load_model

    shipped = load_model(SHIPPED)
    if model is shipped:
        return True
    if not np.array_equal(model.emotion_coef, shipped.emotion_coef):
        return False
    for ours, theirs in ((model.cyrillic, shipped.cyrillic), (model.latin, shipped.latin),
                         (model.ukrainian, shipped.ukrainian)):  # fmt: skip
        if (ours is None) != (theirs is None):
            return False
        if ours is not None and theirs is not None and not np.array_equal(ours.coef, theirs.coef):
            return False
    return True


def emotion_accuracy(model: object) -> list[dict[str, Any]] | None:
    """``measured()`` when ``model`` reads with the shipped emotion models, else None (its
    figures are the organization's to measure)."""
    return measured() if reads_with_shipped_emotions(model) else None
