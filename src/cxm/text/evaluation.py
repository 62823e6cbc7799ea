"""How good a model is on labelled text: accuracy, macro-F1, per-class figures, confusions."""

from __future__ import annotations

from typing import Any

import numpy as np

from cxm.text.backends import TextBackend
from cxm.text.builtin import predict_labels
from cxm.text.labels import EMOTIONS, FEEDBACK_EMOTIONS, SENTIMENTS, Labelled


def sentiment_report(
    truth: list[str], predicted: list[str], scores: list[float] | None = None
) -> dict[str, Any]:
    """The three-way report; a file labelling no text neutral (``scores`` given) is read
    two ways instead, see ``two_way``. With ``scores``, a three-way report also gives the
    two-way figures of its negative and positive texts (``two_way``)."""
    if scores is not None and truth and "neutral" not in truth:
        return two_way(truth, predicted, scores)
    report = _report(truth, predicted, list(SENTIMENTS))
    if scores is not None:  # the texts labelled negative or positive, read two ways
        rows = [i for i, t in enumerate(truth) if t != "neutral"]
        if rows:
            both = two_way([truth[i] for i in rows], [predicted[i] for i in rows],
                           [scores[i] for i in rows])  # fmt: skip
            report["two_way"] = {k: both[k] for k in ("n", "accuracy", "macro_f1")}
    return report


def two_way(truth: list[str], predicted: list[str], scores: list[float]) -> dict[str, Any]:
    """Negative against positive, for a file whose labels are only those two: each text
    reads as the likelier of the two (the sign of P(positive) − P(negative); a text the
    model cannot lean either way, score 0, counts as wrong). The three-way reading of the
    same texts is kept under ``three_way``."""
    two = [
        "positive" if v > 0 else "negative" if v < 0 else "neither"
        for v in scores
    ]  # fmt: skip
    report = _report(truth, two, ["negative", "positive"])
    report["reading"] = "two-way"
    report["three_way"] = _report(truth, predicted, list(SENTIMENTS))
    return report


def _report(truth: list[str], predicted: list[str], labels: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.metrics import precision_recall_fscore_support as prfs

    p, r, f, n = prfs(truth, predicted, labels=labels, zero_division=0)
    binary = [(t, q) for t, q in zip(truth, predicted, strict=True) if t != "neutral"]
    # Macro-F1 over the classes the truth has: a class no text is labelled with has no F1.
    present = [c for c in labels if c in set(truth)] or labels
    return {
        "n": len(truth),
        "reading": "three-way",
        "accuracy": float(accuracy_score(truth, predicted)) if truth else None,
        "macro_f1": float(
            f1_score(truth, predicted, labels=present, average="macro", zero_division=0)
        ),  # fmt: skip
        "per_class": {
            s: {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "n": int(n[k])}
            for k, s in enumerate(labels)
        },  # fmt: skip
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
        },
        # Negative against positive, on texts that are one of the two (neutral predictions
        # count as wrong).
        "binary_accuracy": (float(np.mean([t == q for t, q in binary])) if binary else None),
    }


def emotion_report(truth: list[set[str]], predicted: list[set[str]]) -> dict[str, Any]:
    """Per-class figures of the emotions the truth names, and their macro-F1: of the six
    basic emotions when it names any of them, else of the feedback emotions it names
    (gratitude, disappointment, trust; their own macro-F1 is ``feedback_macro_f1`` when a
    file labels both kinds). Predictions the file cannot judge are left out: of the six
    when it names none of them, and of each feedback emotion it never names (files label
    them one by one)."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    named = set().union(*truth) if truth else set()
    kinds = [
        k for k in (EMOTIONS, tuple(e for e in FEEDBACK_EMOTIONS if e in named)) if named & set(k)
    ] or [EMOTIONS]
    scope = {e for k in kinds for e in k}
    predicted = [s & scope for s in predicted]
    present = [e for k in kinds for e in k if e in named]
    per: dict[str, Any] = {}
    for e in present:
        y = np.array([e in t for t in truth])
        q = np.array([e in s for s in predicted])
        per[e] = {
            "precision": float(precision_score(y, q, zero_division=0)),
            "recall": float(recall_score(y, q, zero_division=0)),
            "f1": float(f1_score(y, q, zero_division=0)),
            "n": int(y.sum()),
        }
    none_truth = np.array([not t for t in truth])
    none_pred = np.array([not s for s in predicted])
    macro = [e for e in kinds[0] if e in per]
    feedback = [e for e in FEEDBACK_EMOTIONS if e in per]
    return {
        "n": len(truth),
        "macro_f1": float(np.mean([per[e]["f1"] for e in macro])) if macro else None,
        "macro_of": macro,
        **(
            {"feedback_macro_f1": float(np.mean([per[e]["f1"] for e in feedback]))}
            if feedback and macro != feedback
            else {}
        ),
        "per_class": per,
        "none_f1": float(f1_score(none_truth, none_pred, zero_division=0)),
    }


def evaluate(model: TextBackend, data: Labelled, task: str) -> dict[str, Any]:
    """The report for ``task`` (sentiment or emotion) on the labelled rows of ``data``."""
    if task == "sentiment":
        rows = [i for i, s in enumerate(data.sentiment) if s is not None]
        scored = model.score([data.texts[i] for i in rows])
        return sentiment_report(
            [data.sentiment[i] or "" for i in rows],
            [s.sentiment for s in scored],
            [s.sentiment_score for s in scored],
        )
    rows = [i for i, e in enumerate(data.emotions) if e is not None]
    _, emotions = predict_labels(model, [data.texts[i] for i in rows])
    return emotion_report([set(data.emotions[i] or ()) for i in rows], emotions)
