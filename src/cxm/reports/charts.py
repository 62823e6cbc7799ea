"""Charts for reports, drawn on the server as SVG with matplotlib (PDF renderers run no
JavaScript). Text stays text in the SVG, set in the DejaVu Sans the report ships, so Cyrillic
labels render and can be searched and copied in the PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence

FONT = "DejaVu Sans"
INK, BAND, GRID = "#1f5fa8", "#c9d8ee", "#e3e7ec"


def trend_svg(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    margins: Sequence[float | None],
    y_label: str,
) -> str:
    """A line of the values with their 95% intervals as a band (None leaves a gap)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context({"svg.fonttype": "none", "font.family": FONT, "font.size": 9}):
        fig = Figure(figsize=(7.0, 2.6))
        ax = fig.add_subplot()
        xs = list(range(len(labels)))
        ys = [float("nan") if v is None else v for v in values]
        lows = [
            float("nan") if v is None or m is None else v - m
            for v, m in zip(values, margins, strict=True)
        ]
        highs = [
            float("nan") if v is None or m is None else v + m
            for v, m in zip(values, margins, strict=True)
        ]
        ax.fill_between(xs, lows, highs, color=BAND, linewidth=0, label="95%")
        ax.plot(xs, ys, color=INK, marker="o", markersize=3, linewidth=1.6, label=y_label)
        ax.set_title(title, loc="left", fontsize=10)
        step = max(1, len(labels) // 8)
        ax.set_xticks(xs[::step], [labels[i] for i in xs[::step]])
        ax.set_ylabel(y_label)
        ax.grid(axis="y", color=GRID)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower left", frameon=False, fontsize=8)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg")
    return out.getvalue()
