"""Exact LMG shares: hand-computed cases (orthogonal and duplicated drivers) and their sum."""

from __future__ import annotations

import numpy as np
import pytest

from cxm.analytics.relimp import MAX_DRIVERS, lmg


def test_orthogonal_drivers_get_their_own_r2() -> None:
    # Two centred, uncorrelated drivers: each one's share is its squared correlation with y.
    a = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    noise = np.array([0.5, -0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5])  # orthogonal to a and b
    y = 2 * a + 1 * b + noise
    total = float(((y - y.mean()) ** 2).sum())  # 8*(4 + 1 + 0.25) = 42
    shares = lmg(np.column_stack([a, b]), y)
    assert shares == pytest.approx([32 / total, 8 / total])
    assert shares.sum() == pytest.approx(40 / 42)


def test_a_duplicated_driver_splits_its_share_evenly() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = x + rng.normal(scale=0.5, size=200)
    shares = lmg(np.column_stack([x, x]), y)
    assert shares[0] == pytest.approx(shares[1])
    r = np.corrcoef(x, y)[0, 1]
    assert shares.sum() == pytest.approx(r**2)


def test_too_many_drivers_are_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        lmg(np.zeros((5, MAX_DRIVERS + 1)), np.zeros(5))
