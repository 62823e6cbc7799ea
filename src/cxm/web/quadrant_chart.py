"""Server-rendered importance x performance charts: the geometry of each panel's SVG (no
script needed; the page shows the same points as a table)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cxm.analytics.quadrants import Quadrants

WIDTH, HEIGHT, PAD = 280, 220, 34


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str
    quadrant: str
    significant: bool


@dataclass(frozen=True)
class Chart:
    key: str
    dots: list[Dot] = field(default_factory=list)
    cut_x: float | None = None
    cut_y: float | None = None


@dataclass(frozen=True)
class Axes:
    x_low: float  # performance at the left edge
    y_high: float  # importance at the top edge
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD


def charts(found: Quadrants) -> tuple[Axes, list[Chart]]:
    """One chart per panel, all on the same axes so panels compare at a glance."""
    drawn = [
        p
        for panel in found.panels
        for p in panel.points
        if p.importance is not None and p.performance is not None
    ]
    lows = [p.performance for p in drawn if p.performance is not None]
    if found.performance_cut is not None:
        lows.append(found.performance_cut)
    x_low = max(0.0, (int(min(lows, default=0.0) * 10) - 1) / 10)
    highs = [p.importance for p in drawn if p.importance is not None]
    y_high = max([*highs, found.importance_cut or 0.0, 0.01]) * 1.15
    axes = Axes(x_low, y_high)

    def x(v: float) -> float:
        return round(PAD + (v - x_low) / (1 - x_low or 1) * (WIDTH - 2 * PAD), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - v / y_high * (HEIGHT - 2 * PAD), 1)

    out = []
    for panel in found.panels:
        dots = [
            Dot(x(p.performance), y(p.importance), p.driver, p.quadrant or "", p.significant)
            for p in panel.points
            if p.importance is not None and p.performance is not None
        ]
        out.append(
            Chart(
                panel.key,
                dots,
                None if found.performance_cut is None else x(found.performance_cut),
                None if found.importance_cut is None else y(found.importance_cut),
            )
        )
    return axes, out
