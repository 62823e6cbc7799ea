"""Relative importance of regression drivers: exact LMG (Shapley) shares of R² for a few
drivers, Johnson's relative weights for many.

LMG: each driver's share is the average, over every order in which drivers can enter the
model, of the R² it adds when it enters (Lindeman, Merenda and Gold, 1980), computed exactly
from the R² of every subset of drivers (2**p least-squares fits, so p is capped at
MAX_DRIVERS).

Johnson's relative weights (Johnson, 2000): the drivers are replaced by their closest
orthogonal counterparts Z (the symmetric square root of their correlation matrix), y is
regressed on Z, and each driver gets the R² of the Z it loads on, in proportion to its
squared loadings. One eigen-decomposition, any number of drivers; the weights agree with
LMG closely (exactly when the drivers are uncorrelated).

Both kinds of shares add up to the full model's R².
"""

from __future__ import annotations

from itertools import combinations
from math import factorial
from typing import Literal

import numpy as np

MAX_DRIVERS = 12
EXACT_UP_TO = 10  # more drivers than this: Johnson's relative weights
Method = Literal["lmg", "johnson"]


def _r2(x: np.ndarray, y: np.ndarray, columns: tuple[int, ...], total: float) -> float:
    if not columns or total == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x[:, list(columns)]])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(1 - ((y - fitted) ** 2).sum() / total)


def lmg(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each column's LMG share of R² (an intercept is always in the model)."""
    n, p = x.shape
    if p > MAX_DRIVERS:
        raise ValueError(f"exact LMG handles at most {MAX_DRIVERS} drivers, not {p}")
    total = float(((y - y.mean()) ** 2).sum())
    r2 = {
        subset: _r2(x, y, subset, total)
        for k in range(p + 1)
        for subset in combinations(range(p), k)
    }
    shares = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            weight = factorial(k) * factorial(p - k - 1) / factorial(p)
            for subset in combinations(others, k):
                with_j = tuple(sorted((*subset, j)))
                shares[j] += weight * (r2[with_j] - r2[subset])
    return shares


def relative_weights(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the drivers' correlation matrix ``rxx`` and their
    correlations with the outcome ``rxy``."""
    values, vectors = np.linalg.eigh(rxx)
    if values.min() <= 1e-10:
        raise ValueError("the drivers are linearly dependent: their weights are not defined")
    root = vectors @ np.diag(np.sqrt(values)) @ vectors.T  # corr(X, Z), symmetric
    beta = np.linalg.solve(root, rxy)  # y on the orthogonal Z (standardised)
    return np.asarray((root**2) @ (beta**2), dtype=float)


def johnson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each column's share of R² by Johnson's relative weights (columns must vary)."""
    sx, sy = x.std(axis=0), y.std()
    if (sx == 0).any():
        raise ValueError("a driver does not vary: its weight is not defined")
    if sy == 0:
        return np.zeros(x.shape[1])
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    return relative_weights(corr[:-1, :-1], corr[:-1, -1])


def method_for(drivers: int) -> Method:
    """Exact LMG while it stays cheap, Johnson's relative weights beyond."""
    return "lmg" if drivers <= EXACT_UP_TO else "johnson"


def importance(x: np.ndarray, y: np.ndarray, method: Method) -> np.ndarray:
    return lmg(x, y) if method == "lmg" else johnson(x, y)
