"""Exact LMG shares: hand-computed cases (orthogonal and duplicated drivers) and their sum."""

from __future__ import annotations

import numpy as np
import pytest

from cxm.analytics.relimp import (
    EXACT_UP_TO,
    MAX_DRIVERS,
    johnson,
    lmg,
    method_for,
    relative_weights,
)


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


def test_johnson_weights_by_hand() -> None:
    # r12 = 0.6: the symmetric root of the correlation matrix is [[3, 1], [1, 3]] / sqrt(10),
    # so y's weights on the orthogonal counterparts are sqrt(10) * (0.15, 0.05) for
    # r_xy = (0.5, 0.3), and the raw weights 0.9 * 0.225 + 0.1 * 0.025 = 0.205 and
    # 0.1 * 0.225 + 0.9 * 0.025 = 0.045; they add up to R² = r' R^-1 r = 0.25.
    rxx = np.array([[1.0, 0.6], [0.6, 1.0]])
    weights = relative_weights(rxx, np.array([0.5, 0.3]))
    assert weights == pytest.approx([0.205, 0.045])
    assert weights.sum() == pytest.approx(0.25)


def test_johnson_equals_lmg_for_uncorrelated_drivers() -> None:
    a = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    b = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    noise = np.array([0.5, -0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5])
    y = 2 * a + 1 * b + noise
    assert johnson(np.column_stack([a, b]), y) == pytest.approx([32 / 42, 8 / 42])


def test_johnson_sums_to_r2_and_stays_close_to_lmg() -> None:
    rng = np.random.default_rng(11)
    x = (rng.random((3000, 6)) < 0.3).astype(float)
    x[:, 1] = np.where(rng.random(3000) < 0.5, x[:, 0], x[:, 1])  # correlated with driver 0
    y = x @ np.array([-40.0, -20.0, -10.0, 5.0, 0.0, 0.0]) + rng.normal(scale=60, size=3000)
    exact, weights = lmg(x, y), johnson(x, y)
    assert weights.sum() == pytest.approx(exact.sum())
    assert np.abs(weights / weights.sum() - exact / exact.sum()).max() < 0.02


def test_linearly_dependent_drivers_have_no_johnson_weights() -> None:
    x = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="linearly dependent"):
        johnson(x, np.array([1.0, 2.0, 3.0, 0.0]))


def test_lmg_while_cheap_and_johnson_beyond() -> None:
    assert method_for(EXACT_UP_TO) == "lmg" and method_for(EXACT_UP_TO + 1) == "johnson"
