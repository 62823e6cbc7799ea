"""How well the shipped builtin model reads emotions, as measured when it was built, on
labelled texts the measured model never trained on: per language, the six basic emotions
(``models/builtin-metrics.json``) and gratitude, disappointment and trust
(``models/feedback_emotions-metrics.json``, its held-out file).

Shown beside the readings (the Voice page, ``cxm text status``, ``GET /api/v1/text/status``)
only while the shipped emotion models do the reading: an organization's own emotion model,
or another backend, is measured on the organization's labels with ``cxm text evaluate``.
Sentiment is judged on the organization's own data instead, against its reviews' stars
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
