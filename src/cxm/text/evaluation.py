"""How good a model is on labelled text: accuracy, macro-F1, per-class figures, confusions."""

from __future__ import annotations

from typing import Any

import numpy as np

from cxm.text.backends import TextBackend
from cxm.text.builtin import predict_labels
from cxm.text.labels import EMOTIONS, SENTIMENTS, Labelled


def sentiment_report(truth: list[str], predicted: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.metrics import precision_recall_fscore_support as prfs

    p, r, f, n = prfs(truth, predicted, labels=list(SENTIMENTS), zero_division=0)
    binary = [(t, q) for t, q in zip(truth, predicted, strict=True) if t != "neutral"]
    return {
        "n": len(truth),
        "accuracy": float(accuracy_score(truth, predicted)) if truth else None,
        "macro_f1": float(
            f1_score(truth, predicted, labels=list(SENTIMENTS), average="macro", zero_division=0)
        ),  # fmt: skip
        "per_class": {
            s: {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "n": int(n[k])}
            for k, s in enumerate(SENTIMENTS)
        },  # fmt: skip
        "confusion": {
            "labels": list(SENTIMENTS),
            "matrix": confusion_matrix(truth, predicted, labels=list(SENTIMENTS)).tolist(),
        },
        # Negative against positive, on texts that are one of the two (neutral predictions
        # count as wrong).
        "binary_accuracy": (float(np.mean([t == q for t, q in binary])) if binary else None),
    }


def emotion_report(truth: list[set[str]], predicted: list[set[str]]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    present = [e for e in EMOTIONS if any(e in t for t in truth)]
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
    return {
        "n": len(truth),
        "macro_f1": float(np.mean([v["f1"] for v in per.values()])) if per else None,
        "per_class": per,
        "none_f1": float(f1_score(none_truth, none_pred, zero_division=0)),
    }


def evaluate(model: TextBackend, data: Labelled, task: str) -> dict[str, Any]:
    """The report for ``task`` (sentiment or emotion) on the labelled rows of ``data``."""
    if task == "sentiment":
        rows = [i for i, s in enumerate(data.sentiment) if s is not None]
        predicted, _ = predict_labels(model, [data.texts[i] for i in rows])
        return sentiment_report([data.sentiment[i] or "" for i in rows], predicted)
    rows = [i for i, e in enumerate(data.emotions) if e is not None]
    _, emotions = predict_labels(model, [data.texts[i] for i in rows])
    return emotion_report([set(data.emotions[i] or ()) for i in rows], emotions)
