"""Honest statistics for experience KPIs: estimates with margins of error, and comparisons.

NPS uses the multinomial standard error 100*sqrt((p + d - (p - d)^2) / n); proportions use
Wilson intervals; means use t intervals; changes between periods use two-sample z tests (NPS),
two-proportion z tests or Welch t tests, and paired tests when the same respondents answer
twice. Many comparisons at once are corrected with Benjamini-Hochberg. Small samples are
flagged, never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

Z95 = 1.959963984540054
SMALL_SAMPLE = 30  # below this many answers a figure is shown greyed, with the reason


@dataclass(frozen=True)
class Estimate:
    """A figure with its base and 95% interval."""

    value: float | None
    n: int
    low: float | None
    high: float | None
    se: float | None = None

    @property
    def margin(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE


@dataclass(frozen=True)
class Change:
    """The difference between two periods (b minus a) and whether it is real."""

    difference: float | None
    p_value: float | None
    test: str

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value is not None and self.p_value < alpha


def nps_groups(scores: Sequence[int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of 0-10 answers."""
    arr = np.asarray(scores)
    if arr.size and (arr.min() < 0 or arr.max() > 10):
        raise ValueError("NPS answers lie between 0 and 10")
    return int((arr >= 9).sum()), int(((arr >= 7) & (arr <= 8)).sum()), int((arr <= 6).sum())


def nps(promoters: int, passives: int, detractors: int) -> Estimate:
    n = promoters + passives + detractors
    if n == 0:
        return Estimate(None, 0, None, None)
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return Estimate(value, n, max(-100.0, value - Z95 * se), min(100.0, value + Z95 * se), se)


def proportion(successes: int, n: int) -> Estimate:
    """A share (e.g. CSAT top-2-box) with its Wilson interval."""
    if n == 0:
        return Estimate(None, 0, None, None)
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    p = successes / n
    return Estimate(p, n, float(low), float(high), math.sqrt(p * (1 - p) / n))


def mean(values: Sequence[float]) -> Estimate:
    """A mean (e.g. CSAT or CES average) with its t interval."""
    arr = np.asarray(values, dtype=float)
    n = int(arr.size)
    if n == 0:
        return Estimate(None, 0, None, None)
    m = float(arr.mean())
    if n == 1:
        return Estimate(m, 1, None, None)
    se = float(arr.std(ddof=1) / math.sqrt(n))
    half = float(sps.t.ppf(0.975, n - 1)) * se
    return Estimate(m, n, m - half, m + half, se)


def compare_nps(a: Estimate, b: Estimate) -> Change:
    """Two independent periods or groups: z = (NPS_b - NPS_a) / sqrt(SE_a^2 + SE_b^2)."""
    if a.value is None or b.value is None or a.se is None or b.se is None:
        return Change(None, None, "two-sample z")
    diff = b.value - a.value
    pooled = math.hypot(a.se, b.se)
    if pooled == 0 or a.n < 2 or b.n < 2:
        return Change(diff, None, "two-sample z")  # no spread to test against
    z = diff / pooled
    return Change(diff, float(2 * sps.norm.sf(abs(z))), "two-sample z")


def compare_proportions(successes_a: int, n_a: int, successes_b: int, n_b: int) -> Change:
    if n_a == 0 or n_b == 0:
        return Change(None, None, "two-proportion z")
    diff = successes_b / n_b - successes_a / n_a
    if successes_a + successes_b in (0, n_a + n_b):
        return Change(diff, None, "two-proportion z")
    _, p = proportions_ztest([successes_b, successes_a], [n_b, n_a])
    return Change(diff, float(p), "two-proportion z")


def compare_means(a: Sequence[float], b: Sequence[float]) -> Change:
    if len(a) < 2 or len(b) < 2:
        return Change(None, None, "Welch t")
    result = sps.ttest_ind(b, a, equal_var=False)
    return Change(float(np.mean(b) - np.mean(a)), float(result.pvalue), "Welch t")


def compare_paired_nps(before: Sequence[int], after: Sequence[int]) -> Change:
    """The same respondents twice: paired t test on per-person scores in {-1, 0, +1}."""
    if len(before) != len(after):
        raise ValueError("paired answers need the same respondents in the same order")
    to_score = np.vectorize(lambda s: 1 if s >= 9 else (-1 if s <= 6 else 0))
    x, y = to_score(np.asarray(before)), to_score(np.asarray(after))
    diff = 100 * float(np.mean(y - x)) if len(x) else None
    if len(x) < 2 or np.all(y - x == (y - x)[0]):
        return Change(diff, None, "paired t")
    return Change(diff, float(sps.ttest_rel(y, x).pvalue), "paired t")


def compare_paired(before: Sequence[float], after: Sequence[float]) -> Change:
    """Per-person scores of the same respondents in two periods: paired t (after minus before)."""
    if len(before) != len(after):
        raise ValueError("paired scores need the same respondents in the same order")
    x, y = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    diff = float(np.mean(y - x)) if len(x) else None
    if len(x) < 2 or np.all(y - x == (y - x)[0]):
        return Change(diff, None, "paired t")  # no spread in the differences to test against
    return Change(diff, float(sps.ttest_rel(y, x).pvalue), "paired t")


def adjust(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values for many segments compared at once."""
    present = [(i, p) for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    if not present:
        return out
    _, adjusted, _, _ = multipletests([p for _, p in present], method="fdr_bh")
    for (i, _), q in zip(present, adjusted, strict=True):
        out[i] = float(q)
    return out


def mean_from_moments(n: int, total: float, total_sq: float) -> Estimate:
    """A mean with its t interval from n, the sum and the sum of squares (a query's output)."""
    if n == 0:
        return Estimate(None, 0, None, None)
    m = total / n
    if n == 1:
        return Estimate(m, 1, None, None)
    variance = max((total_sq - n * m * m) / (n - 1), 0.0)
    se = math.sqrt(variance / n)
    half = float(sps.t.ppf(0.975, n - 1)) * se
    return Estimate(m, n, m - half, m + half, se)


def compare_estimated_means(a: Estimate, b: Estimate) -> Change:
    """Welch's t test between two means known by their estimates (b minus a)."""
    if a.value is None or b.value is None or a.se is None or b.se is None:
        return Change(None, None, "Welch t")
    diff = b.value - a.value
    if a.n < 2 or b.n < 2 or (a.se == 0 and b.se == 0):
        return Change(diff, None, "Welch t")
    result = sps.ttest_ind_from_stats(
        b.value,
        b.se * math.sqrt(b.n),
        b.n,
        a.value,
        a.se * math.sqrt(a.n),
        a.n,
        equal_var=False,
    )
    return Change(diff, float(result.pvalue), "Welch t")
