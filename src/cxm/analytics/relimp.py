"""Relative importance of regression drivers: the exact LMG (Shapley) share of R².

Each driver's share is the average, over every order in which drivers can enter the model,
of the R² it adds when it enters (Lindeman, Merenda and Gold, 1980), computed exactly from
the R² of every subset of drivers (2**p least-squares fits; p is capped at MAX_DRIVERS). The
shares add up to the full model's R².
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np

MAX_DRIVERS = 12


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
