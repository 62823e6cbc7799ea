"""Learning the customer's own sentiment on top of the shipped model (``cxm text train``).

A customer's labelled file is small next to the data the shipped model learnt from, so it
does not replace that model: it moves it. The customer's model reads a text with the shipped
weights plus a correction ``delta`` (and the review polarity lexicon as before); the
correction is fitted by class-balanced logistic loss on the customer's texts with an L2 pull
toward zero, that is toward the shipped weights, whose strength ``C`` (the inverse of the
pull, as in scikit-learn) is chosen by stratified cross-validation on the file itself
among ``STRENGTHS``, against keeping the shipped model unchanged. So a few hundred texts
nudge the model and a few thousand can reshape it, and labels that do not help out of fold
leave it as it was. The fit is a plain L-BFGS minimisation (scipy) over the n-gram
features the file uses; the other weights cannot move (their gradient is the pull alone).
Within a fold each strength starts from the weaker one's correction, which saves a third
of the iterations.

A file that labels only two classes (star-rated reviews: negative and positive) moves only
those two against each other: the loss is the likelihood of the label among the labelled
classes, so the third keeps the shipped weights, and the labels cannot teach the model that
the third never happens. Cross-validation then scores the choice between the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

from cxm.text.features import featurize
from cxm.text.labels import SENTIMENTS, Labelled

STRENGTHS = (0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 3


@dataclass(frozen=True)
class Adaptation:
    coef: np.ndarray  # (3, n_features): the shipped weights plus the correction
    intercept: np.ndarray  # (3,)
    strength: float | None  # the chosen C; None: the shipped model was kept
    scores: dict[str, float] = field(default_factory=dict)  # out-of-fold macro-F1 per C

    def summary(self) -> str:
        shipped = self.scores.get("shipped")
        best = self.scores.get(str(self.strength)) if self.strength is not None else None
        if self.strength is None:
            return (
                f"the labels did not beat the shipped model out of fold (macro-F1 "
                f"{shipped:.3f}); it is kept unchanged"
            )
        return (
            f"cross-validated macro-F1 {best:.3f} against {shipped:.3f} for the shipped "
            f"model (correction strength C = {self.strength:g})"
        )


def _fit(
    x: Any,
    base: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    c: float,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The correction (k x (columns + 1)) over ``x``'s columns, the last column the bias,
    from ``start`` (the correction at a weaker strength saves iterations) or zero."""
    n, width = x.shape
    k = base.shape[1]
    onehot = np.eye(k)[y]
    xt = x.T.tocsr()  # the gradient's product, row-major once instead of at every step

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        delta = theta.reshape(k, width + 1)
        z = base + x @ delta[:, :width].T + delta[:, width]
        logp = log_softmax(z, axis=1)
        value = -c * float((weight * (logp * onehot).sum(axis=1)).sum())
        residual = (np.exp(logp) - onehot) * (c * weight)[:, None]
        grad = np.empty_like(delta)
        grad[:, :width] = np.asarray((xt @ residual).T) + delta[:, :width]
        grad[:, width] = residual.sum(axis=0)
        value += 0.5 * float((delta[:, :width] ** 2).sum())
        return value, grad.ravel()

    theta = np.zeros(k * (width + 1)) if start is None else start.ravel()
    result = minimize(loss, theta, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return np.asarray(result.x).reshape(k, width + 1)


def _balanced(y: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(y, minlength=k).astype(float)
    per_class = len(y) / (np.count_nonzero(counts) * np.maximum(counts, 1))
    return np.asarray(per_class[y])


def _macro_f1(truth: np.ndarray, guess: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, guess, average="macro", zero_division=0))


def adapt_sentiment(
    model: Any, data: Labelled, seed: int = 1, progress: Callable[[int, int], None] | None = None
) -> Adaptation:
    """``model``'s (a ``BuiltinModel``) sentiment moved toward ``data``'s labels;
    ``progress(done, total)`` hears of each fit."""
    from sklearn.model_selection import StratifiedKFold

    rows = [i for i, s in enumerate(data.sentiment) if s is not None]
    texts = [data.texts[i] for i in rows]
    labelled = np.array([SENTIMENTS.index(data.sentiment[i] or "") for i in rows])
    classes = np.unique(labelled)  # the classes the file labels, in SENTIMENTS order
    y = np.searchsorted(classes, labelled)
    k = len(classes)
    # The shipped reading of each text, lexicon included, as log-probabilities: the
    # correction adds to them (the lexicon adds log-odds, so it adds to the correction too).
    shipped = np.log(np.clip(model.probabilities(texts)[0], 1e-9, 1.0))
    base = shipped[:, classes]
    full = featurize(texts)
    columns = np.unique(full.indices)
    x = full[:, columns].tocsr()
    weight = _balanced(y, k)
    folds = min(FOLDS, int(np.bincount(y, minlength=k)[np.bincount(y, minlength=k) > 0].min()))
    scores = {"shipped": _macro_f1(y, base.argmax(axis=1))}
    total = (folds * len(STRENGTHS) if folds >= 2 else 0) + 1
    if folds >= 2:
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, y))
        guesses = {c: np.empty_like(y) for c in STRENGTHS}
        for f, (train, held) in enumerate(splits):
            delta = None  # each strength starts from the weaker one's correction
            for j, c in enumerate(STRENGTHS):
                delta = _fit(x[train], base[train], y[train], _balanced(y[train], k), c, delta)
                z = base[held] + x[held] @ delta[:, :-1].T + delta[:, -1]
                guesses[c][held] = np.asarray(softmax(z, axis=1)).argmax(axis=1)
                if progress:
                    progress(f * len(STRENGTHS) + j + 1, total)
        scores |= {str(c): _macro_f1(y, guess) for c, guess in guesses.items()}
    best = max(STRENGTHS, key=lambda c: scores.get(str(c), -1.0))
    coef = model.sentiment_coef.astype(np.float32).copy()
    intercept = model.sentiment_intercept.astype(np.float32).copy()
    if scores.get(str(best), -1.0) <= scores["shipped"]:
        if progress:
            progress(total, total)
        return Adaptation(coef, intercept, None, scores)
    delta = _fit(x, base, y, weight, best)
    if progress:
        progress(total, total)
    coef[np.ix_(classes, columns)] += delta[:, :-1].astype(np.float32)
    intercept[classes] += delta[:, -1].astype(np.float32)
    return Adaptation(coef, intercept, best, scores)
