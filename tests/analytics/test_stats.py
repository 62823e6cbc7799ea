"""KPI statistics against hand-computed cases and against scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from cxm.analytics import stats


def test_nps_and_its_margin_by_hand() -> None:
    # 50 promoters, 30 passives, 20 detractors: NPS 30;
    # SE = 100*sqrt((0.5 + 0.2 - 0.3^2)/100) = 100*sqrt(0.0061) = 7.8102
    est = stats.nps(50, 30, 20)
    assert est.value == pytest.approx(30.0)
    assert est.se == pytest.approx(7.8102, abs=1e-4)
    assert est.margin == pytest.approx(1.96 * 7.8102, abs=0.01)
    assert est.n == 100 and not est.small_sample


def test_nps_groups_count_the_three_bands() -> None:
    assert stats.nps_groups([10, 9, 8, 7, 6, 0, 9]) == (3, 2, 2)
    with pytest.raises(ValueError):
        stats.nps_groups([11])


def test_all_promoters_have_no_spread_and_empty_has_no_value() -> None:
    est = stats.nps(10, 0, 0)
    assert est.value == 100 and est.se == 0 and est.small_sample
    assert stats.nps(0, 0, 0).value is None


def test_wilson_interval_matches_statsmodels_and_a_hand_value() -> None:
    est = stats.proportion(8, 10)
    low, high = proportion_confint(8, 10, method="wilson")
    assert (est.low, est.high) == pytest.approx((low, high))
    # Wilson by hand for 8/10: centre (0.8 + 1.96^2/20)/(1 + 1.96^2/10) = 0.7165
    centre = (0.8 + 1.96**2 / 20) / (1 + 1.96**2 / 10)
    assert (est.low + est.high) / 2 == pytest.approx(centre, abs=1e-3)


def test_mean_t_interval_by_hand() -> None:
    est = stats.mean([3, 4, 5])  # mean 4, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.3027
    assert est.value == 4
    assert est.margin == pytest.approx(4.3027 / math.sqrt(3), abs=1e-3)


def test_nps_change_z_test_by_hand() -> None:
    a, b = stats.nps(50, 30, 20), stats.nps(40, 30, 30)  # 30 -> 10
    change = stats.compare_nps(a, b)
    z = -20 / math.hypot(a.se or 0, b.se or 0)
    assert change.difference == pytest.approx(-20)
    assert change.p_value == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert not change.significant()  # |z| = 1.65: not significant at 5%


def test_a_large_nps_drop_is_significant() -> None:
    change = stats.compare_nps(stats.nps(500, 300, 200), stats.nps(300, 300, 400))
    assert change.significant() and change.difference == pytest.approx(-40)


def test_two_proportion_test_matches_the_pooled_z_by_hand() -> None:
    change = stats.compare_proportions(80, 100, 65, 100)
    pooled = 145 / 200
    z = (0.65 - 0.80) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 100))
    assert change.p_value == pytest.approx(2 * sps.norm.sf(abs(z)))


def test_paired_nps_uses_per_person_scores() -> None:
    before = [10, 9, 6, 7, 3, 9, 10, 8]
    after = [6, 6, 3, 6, 3, 6, 9, 6]
    change = stats.compare_paired_nps(before, after)
    x = np.array([1, 1, -1, 0, -1, 1, 1, 0])
    y = np.array([-1, -1, -1, -1, -1, -1, 1, -1])
    assert change.difference == pytest.approx(100 * (y - x).mean())
    assert change.p_value == pytest.approx(sps.ttest_rel(y, x).pvalue)


def test_benjamini_hochberg_by_hand_and_missing_values_kept() -> None:
    # p = 0.01, 0.04, 0.03 -> sorted 0.01, 0.03, 0.04 -> 0.03, 0.04, 0.04
    assert stats.adjust([0.01, None, 0.04, 0.03]) == pytest.approx([0.03, None, 0.04, 0.04])
