"""Moments of truth: which journey events move loyalty most (key driver analysis).

Each respondent of an order's NPS question scores +100, 0 or -100. A driver is a yes/no fact
about the order: ``late`` (delayed or delivered after the promise), ``contact_loop``
(``loop_contacts`` or more contacts at one contact-centre touchpoint), ``returned``, the
presence of a touchpoint code (``delay_notice``), or of a theme in the customer's comments
(``theme:delivery/late``; ``cxm.analytics.theme_drivers``), or a low CSAT answer about the
order at a touchpoint (``rating:store_purchase``: 1-3 of 5; ``cxm.analytics.rating_drivers``;
only the orders with every named rating are analysed, as ``note`` says). For each driver:
the raw difference in mean score (with it minus without it, Welch interval); the effect
adjusted for the other drivers and the controls (order channel, customer segment,
customer's city) by ordinary least squares (statsmodels, 95% interval); and its exact
Shapley/LMG share of the variance the drivers explain once the controls are partialled out
(exact LMG up to ten drivers, Johnson's relative weights beyond; ``cxm.analytics.relimp``;
the result names the method), with a percentile bootstrap interval.

Drivers are ranked by their impact: the NPS points they cost overall (the share of
respondents who had them times the adjusted effect), since the variance share favours rare,
severe events over common ones that cost more. Too few respondents, a driver nobody (or
everybody) had, or two drivers that always go together are reported instead of noise.

The filters pick the orders: store, channel, period, the customer's segment, and the first
touchpoint of the journey holding the order (``first_touchpoint``). The outcome filter is
refused when NPS is the target (the outcome is the group of the NPS answer being explained);
with repeat purchase or churn it keeps the orders of the customers in that NPS group.

What is explained is the analysis' *target* (``driver_targets``): the NPS answer, or, per
order with enough follow-up, whether the customer bought again within 90 days (``repeat``)
or it was their last order (``churn``), scored 100 or 0, the effects then in percentage
points; drivers of churn are ranked by the churn they add, worst first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import statsmodels.api as sm

from cxm.analytics.driver_rows import fingerprint, rows_with_note
from cxm.analytics.driver_targets import (
    UNITS,
    analysed,
    explains_nps,
    target_faults,
    worse_first,
)
from cxm.analytics.first_touchpoint import (
    GAP_DAYS,
    MAX_GAP_DAYS,
    check_outcome,
    refuse_outcome,
)
from cxm.analytics.order_facts import EMBEDDED, PROBLEMS, OrderSource
from cxm.analytics.rating_drivers import (
    rating_faults,
)
from cxm.analytics.relimp import EXACT_UP_TO, Method, importance, method_for
from cxm.analytics.stats import mean
from cxm.analytics.theme_drivers import theme_faults
from cxm.core.errors import Fault, ValidationError

BUILT_IN = PROBLEMS
MIN_RESPONDENTS = 100  # below this the regression is not shown
MIN_WITH_DRIVER = 10  # respondents who had the driver (and who did not)
COLLINEAR = 0.95  # |correlation| at or above which two drivers cannot be told apart
MAX_DRIVERS = 30


@dataclass(frozen=True)
class DriverQuery:
    drivers: tuple[str, ...] = BUILT_IN
    loop_contacts: int = 3
    delivered_only: bool = True  # only orders with a delivery promise (lateness can happen)
    controls: bool = True  # adjust for order channel, customer segment and city as well
    bootstrap: int = 200  # resamples for the importance intervals (0: none)
    store: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    seed: int = 1
    importance: str = "auto"  # lmg, johnson, or auto: LMG up to EXACT_UP_TO drivers
    home_store: str | None = None  # customers whose usual store this is
    segment: str | None = None  # only orders of customers in this segment
    first: str | None = None  # only orders whose journey starts at this touchpoint code
    outcome: str | None = None  # refused for NPS, the answer explained (``first_touchpoint``)
    gap_days: int = GAP_DAYS  # inactivity gap cutting the journeys of the first filter
    target: str = "nps"  # what is explained: nps, repeat or churn (``driver_targets``)

    def method(self, drivers: int) -> Method:
        if self.importance == "auto":
            return method_for(drivers)
        return "lmg" if self.importance == "lmg" else "johnson"

    def check(self) -> None:
        faults: list[Fault] = []
        if not self.drivers:
            faults.append(Fault("name at least one driver", "drivers"))
        if len(set(self.drivers)) != len(self.drivers):
            faults.append(Fault("a driver is named twice", "drivers"))
        if len(self.drivers) > MAX_DRIVERS:
            faults.append(Fault(f"at most {MAX_DRIVERS} drivers", "drivers"))
        faults += theme_faults(self.drivers)
        faults += rating_faults(self.drivers)
        if self.importance not in ("auto", "lmg", "johnson"):
            faults.append(Fault("auto, lmg or johnson", "importance"))
        elif self.importance == "lmg" and len(self.drivers) > EXACT_UP_TO:
            faults.append(Fault(f"exact LMG weighs up to {EXACT_UP_TO} drivers", "importance"))
        if not 2 <= self.loop_contacts <= 20:
            faults.append(Fault("between 2 and 20", "loop_contacts"))
        if not 0 <= self.bootstrap <= 2000:
            faults.append(Fault("between 0 and 2000", "bootstrap"))
        if not 1 <= self.gap_days <= MAX_GAP_DAYS:
            faults.append(Fault(f"between 1 and {MAX_GAP_DAYS}", "gap_days"))
        faults += target_faults(self.target)
        if faults:
            raise ValidationError("; ".join(f"{f.field}: {f.reason}" for f in faults) + ".", faults)
        if explains_nps(self.target):
            refuse_outcome(self.outcome, "the driver analysis")
        else:
            check_outcome(self.outcome)


@dataclass(frozen=True)
class Driver:
    name: str
    respondents_with: int
    raw_effect: float | None  # NPS points: mean score with it minus without it
    raw_low: float | None
    raw_high: float | None
    adjusted_effect: float | None
    adjusted_low: float | None
    adjusted_high: float | None
    p_value: float | None
    impact: float | None  # NPS points it costs overall: share of respondents x adjusted effect
    importance: float | None  # LMG share of the variance the drivers explain, 0-1
    importance_low: float | None
    importance_high: float | None
    significant: bool
    note: str | None = None


@dataclass(frozen=True)
class DriverResult:
    respondents: int  # answered orders for NPS; orders with enough follow-up otherwise
    nps: float | None  # the NPS of the respondents (None when another target is explained)
    r_squared: float | None
    drivers: list[Driver] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    message: str | None = None
    importance_method: Method | None = None  # lmg (exact Shapley) or johnson (relative weights)
    data_key: str | None = None  # digest of the rows analysed: caches the bootstrap per data
    note: str | None = None  # what the rating drivers left out (complete cases)
    target: str = "nps"  # what is explained: nps, repeat or churn
    unit: str = "NPS points"  # of the effects and impacts: NPS or percentage points
    mean: float | None = None  # mean score: the NPS, or the % of orders bought again/churned


def _design(
    data: pl.DataFrame, drivers: list[str], controls: bool
) -> tuple[pd.DataFrame, list[str]]:
    x = data.select(drivers).to_pandas()
    names: list[str] = []
    if controls:
        for col in ("channel", "segment", "city"):
            values = data[col].fill_null("unknown")
            levels = sorted(values.unique().to_list())
            for level in levels[1:]:  # the first level is the baseline
                name = f"{col}={level}"
                x[name] = (values == level).cast(pl.Float64).to_numpy()
                names.append(name)
    return x, names


def _collinear(data: pl.DataFrame, drivers: list[str]) -> list[str]:
    notes = []
    m = data.select(drivers).to_numpy()
    for i in range(len(drivers)):
        for j in range(i + 1, len(drivers)):
            a, b = m[:, i], m[:, j]
            if a.std() == 0 or b.std() == 0:
                continue
            r = float(np.corrcoef(a, b)[0, 1])
            if abs(r) >= COLLINEAR:
                notes.append(
                    f"{drivers[i]} and {drivers[j]} go together (correlation {r:.2f}); "
                    "their effects cannot be told apart: keep one"
                )
    return notes


def _importance(
    x: pd.DataFrame, y: np.ndarray, drivers: list[str], method: Method
) -> dict[str, float]:
    """Importance shares of the drivers (summing to 1), after the controls are partialled out
    of y and the drivers."""
    controls = [c for c in x.columns if c not in drivers]
    xd = x[drivers].to_numpy(dtype=float)
    if controls:
        base = sm.add_constant(x[controls].to_numpy(dtype=float), has_constant="add")
        proj = base @ np.linalg.lstsq(base, np.column_stack([y, xd]), rcond=None)[0]
        rest = np.column_stack([y, xd]) - proj
        y, xd = rest[:, 0], rest[:, 1:]
    share = dict(zip(drivers, importance(xd, y, method), strict=True))
    total = sum(float(share[d]) for d in drivers)
    return {d: float(share[d]) / total if total > 0 else 0.0 for d in drivers}


@dataclass(frozen=True)
class _Prepared:
    data: pl.DataFrame
    usable: list[str]
    skipped: dict[str, str]
    message: str | None
    note: str | None = None  # what the rating drivers left out


def _dependent(x: pd.DataFrame, drivers: list[str]) -> str | None:
    """Drivers that the other drivers and the controls determine exactly cannot be weighed
    (e.g. ``web_order`` when the order channel is a control)."""
    m = sm.add_constant(x.to_numpy(dtype=float), has_constant="add")
    if np.linalg.matrix_rank(m) == m.shape[1]:
        return None
    tied = []
    for d in drivers:
        j = 1 + list(x.columns).index(d)
        rest = np.delete(m, j, axis=1)
        fitted = rest @ np.linalg.lstsq(rest, m[:, j], rcond=None)[0]
        if np.abs(m[:, j] - fitted).max() < 1e-8:
            tied.append(d)
    named = ", ".join(tied) if tied else ", ".join(drivers)
    controls = len(x.columns) > len(drivers)
    by = " and the controls (order channel, customer segment, city)" if controls else ""
    return f"Collinear drivers: {named} follow from the other drivers{by}; drop them" + (
        " or analyse without controls." if controls else "."
    )


def _prepare(con: Any, org_id: int, q: DriverQuery, source: OrderSource = EMBEDDED) -> _Prepared:
    q.check()
    data, note = rows_with_note(con, org_id, q, source)
    n, rows = data.height, analysed(q.target)
    if n < MIN_RESPONDENTS:
        wait = "more answers" if explains_nps(q.target) else "more follow-up"
        return _Prepared(
            data,
            [],
            {},
            f"Too few {rows} ({n}; at least {MIN_RESPONDENTS} are needed) for a driver "
            f"analysis: widen the filters or wait for {wait}.",
            note,
        )
    usable, skipped = [], {}
    for d in q.drivers:
        k = int(data[d].sum())
        if k < MIN_WITH_DRIVER or n - k < MIN_WITH_DRIVER:
            skipped[d] = (
                f"{k} of {n} {rows} had it; at least {MIN_WITH_DRIVER} with and without "
                "it are needed"
            )
        else:
            usable.append(d)
    notes = _collinear(data, usable)
    if notes:
        message = "Collinear drivers: " + "; ".join(notes) + "."
        return _Prepared(data, [], skipped, message, note)
    if not usable:
        return _Prepared(data, [], skipped, f"No driver varies enough among {rows}.", note)
    x, _ = _design(data, usable, q.controls)
    return _Prepared(data, usable, skipped, _dependent(x, usable), note)


def _bootstrap(
    x: pd.DataFrame, y: np.ndarray, usable: list[str], method: Method, q: DriverQuery
) -> dict[str, tuple[float | None, float | None]]:
    """Percentile intervals of the importance shares over ``q.bootstrap`` resamples."""
    n = len(y)
    boots: dict[str, list[float]] = {d: [] for d in usable}
    rng = np.random.default_rng(q.seed)
    for _ in range(q.bootstrap):
        idx = rng.integers(0, n, n)
        xb = x.iloc[idx].reset_index(drop=True)
        if (xb[usable].std() == 0).any():
            continue
        xb = xb.loc[:, (xb.std() > 0).to_numpy()]
        try:
            shares = _importance(xb, y[idx], usable, method)
        except (ValueError, np.linalg.LinAlgError):  # a degenerate resample
            continue
        for d, v in shares.items():
            boots[d].append(v)
    return {
        d: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)))
        if len(v) >= 20
        else (None, None)
        for d, v in boots.items()
    }


def importance_intervals(
    con: Any, org_id: int, q: DriverQuery
) -> dict[str, tuple[float | None, float | None]]:
    """The bootstrap intervals of the importance shares alone (what the background job runs)."""
    prepared = _prepare(con, org_id, q)
    if prepared.message or not q.bootstrap:
        return {}
    y = prepared.data["score"].to_numpy()
    x, _ = _design(prepared.data, prepared.usable, q.controls)
    return _bootstrap(x, y, prepared.usable, q.method(len(prepared.usable)), q)


def _skipped(data: pl.DataFrame, d: str, why: str) -> Driver:
    k = int(data[d].sum())
    nothing = None
    return Driver(
        d, k, nothing, nothing, nothing, nothing, nothing, nothing, nothing, nothing, nothing,
        nothing, nothing, False, why,
    )  # fmt: skip


def analyse(con: Any, org_id: int, q: DriverQuery, source: OrderSource = EMBEDDED) -> DriverResult:
    """Key driver analysis over the synced analytics store (``con``: Ibis DuckDB, or any Ibis
    backend with ``source=PORTABLE`` from ``cxm.analytics.portable_orders``)."""
    prepared = _prepare(con, org_id, q, source)
    data, usable = prepared.data, prepared.usable
    n = data.height
    level = float(data["score"].mean()) if n else None  # type: ignore[arg-type]
    nps = level if explains_nps(q.target) else None
    said = replace(DriverResult(n, nps, None), target=q.target, unit=UNITS[q.target], mean=level)
    if prepared.message:
        return replace(said, message=prepared.message, note=prepared.note)
    method = q.method(len(usable))
    y = data["score"].to_numpy()
    x, controls = _design(data, usable, q.controls)
    fit = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit()
    ci = fit.conf_int(0.05)
    share = _importance(x, y, usable, method)
    intervals = _bootstrap(x, y, usable, method, q) if q.bootstrap else {}
    found: list[Driver] = []
    for d in usable:
        with_it = data.filter(pl.col(d) == 1)["score"].to_list()
        without = data.filter(pl.col(d) == 0)["score"].to_list()
        a, b = mean(with_it), mean(without)
        # Welch's difference; computed here since a group may answer all alike (no spread).
        diff = None if a.value is None or b.value is None else a.value - b.value
        half = 1.959963984540054 * float(np.hypot(a.se or 0.0, b.se or 0.0))
        low, high = intervals.get(d, (None, None))
        p = float(fit.pvalues[d])
        found.append(
            Driver(
                d,
                len(with_it),
                diff,
                None if diff is None else diff - half,
                None if diff is None else diff + half,
                float(fit.params[d]),
                float(ci.loc[d, 0]),
                float(ci.loc[d, 1]),
                p,
                float(fit.params[d]) * len(with_it) / n,
                share[d],
                low,
                high,
                p < 0.05,
                None if p < 0.05 else "not significant at 5%",
            )
        )
    found.extend(_skipped(data, d, why) for d, why in prepared.skipped.items())
    # Moments of truth first: the drivers that cost the most NPS points (repeat purchases)
    # overall, or add the most churn.
    found.sort(key=lambda r: worse_first(q.target, r.impact))
    return replace(
        said,
        r_squared=float(fit.rsquared),
        drivers=found,
        controls=controls,
        importance_method=method,
        data_key=fingerprint(data),
        note=prepared.note,
    )
