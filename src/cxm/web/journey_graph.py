"""The journey map's drawing: a layered layout of the directly-follows graph, computed here
and drawn as SVG by the template (no script, no download).

Touchpoints stand in one column per journey stage (pre-purchase to after-sales), the busiest
at the top of each column. An edge is a curve from the right of its source to the left of its
target (within a column an arc on its right, a loop back bends below), as thick as its
count. Friction is
coloured: red for the map's worst edge, amber for edges in the slowest quarter by median
hours; a touchpoint where an unusual share of journeys ends (the top quarter, and at least
10 %) is amber too, and so is one the friction list flags (``map_friction``: a funnel step of
its events with unusual drop-off, or high effort); a stage with negative emotion is marked
on its column title and its point of the emotion curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cxm.analytics.emotion_curve import CurvePoint
from cxm.analytics.friction_dropoff import DropOff
from cxm.analytics.friction_effort import EffortPoint
from cxm.analytics.friction_emotion import EmotionPoint
from cxm.analytics.journey_map import Node
from cxm.analytics.journeys import Edge
from cxm.analytics.map_friction import MapFriction
from cxm.ingest.models import STAGES

COLUMN = 285  # px between stage columns (room for edge labels between nodes)
ROW = 64  # px between touchpoints in a column
NODE_W, NODE_H = 185, 34  # wide enough for "21 158 · 30,3% закінчуються тут"
TOP = 40  # room for the stage titles
CURVE_H = 110  # the emotion curve's height
CURVE_TITLE = 34  # room above the curve for its title, so the top point's label stays clear


@dataclass(frozen=True)
class PlacedNode:
    node: Node
    x: float
    y: float
    ends: bool  # an unusual share of journeys ends here
    drop_offs: tuple[DropOff, ...] = ()  # its funnel steps with unusual drop-off
    effort: EffortPoint | None = None  # its high effort (CES)

    @property
    def friction(self) -> list[str]:
        """Why the touchpoint is coloured: ``ends``, ``drop_off``, ``effort`` (none: not)."""
        why = [("ends", self.ends), ("drop_off", bool(self.drop_offs)), ("effort", self.effort)]
        return [name for name, flagged in why if flagged]


@dataclass(frozen=True)
class PlacedEdge:
    edge: Edge
    path: str  # SVG path data
    width: float
    kind: str  # "worst", "slow" or ""
    label_x: float
    label_y: float


@dataclass(frozen=True)
class CurveMark:
    stage: str
    x: float
    y: float
    point: CurvePoint
    unhappy: EmotionPoint | None = None  # the stage's negative emotion, if flagged


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    stages: list[tuple[str, float]]  # title and column centre
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]
    curve: list[CurveMark]
    curve_path: str
    curve_top: float
    node_width: int = NODE_W
    node_height: int = NODE_H
    unhappy: dict[str, EmotionPoint] = field(default_factory=dict)  # stages drawn, flagged

    @property
    def curve_zero(self) -> float:
        """Where a mean sentiment of 0 lies (the dashed axis)."""
        return self.curve_top + CURVE_TITLE + CURVE_H / 2


def _quartile(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[(3 * len(ordered)) // 4] if ordered else 0.0


def layout(
    edges: Sequence[Edge],
    nodes: Sequence[Node],
    stage_of: Mapping[str, str],
    worst: Edge | None,
    curve: Sequence[CurvePoint] = (),
    friction: MapFriction | None = None,
) -> Drawing:
    """Place the touchpoints that the shown edges join, and route the edges between them;
    ``friction`` marks the touchpoints and stages the friction list flags."""
    friction = friction or MapFriction()
    used = {e.source for e in edges} | {e.target for e in edges}
    shown = [n for n in nodes if n.step in used]
    order = [s for s in STAGES if any(stage_of.get(n.step) == s for n in shown)]
    if any(stage_of.get(n.step) not in STAGES for n in shown):
        order.append("unknown")
    column = {s: i for i, s in enumerate(order)}
    rows: dict[str, int] = {}
    placed: dict[str, PlacedNode] = {}
    ends = _quartile([n.end_share for n in shown])
    for n in shown:  # busiest first: nodes arrive sorted by events
        stage = stage_of.get(n.step) if stage_of.get(n.step) in STAGES else "unknown"
        row = rows.get(stage or "unknown", 0)
        rows[stage or "unknown"] = row + 1
        x = 20 + column[stage or "unknown"] * COLUMN
        y = TOP + row * ROW
        placed[n.step] = PlacedNode(
            n,
            x,
            y,
            n.end_share >= max(ends, 0.1),
            tuple(friction.drop_offs.get(n.step, ())),
            friction.effort.get(n.step),
        )
    slow = _quartile([e.median_hours for e in edges])
    top = max((e.count for e in edges), default=1)
    drawn = []
    for e in sorted(edges, key=lambda e: e.count):  # the busiest on top
        a, b = placed[e.source], placed[e.target]
        is_worst = worst is not None and (e.source, e.target) == (worst.source, worst.target)
        kind = "worst" if is_worst else ("slow" if e.median_hours >= slow else "")
        if b.x > a.x:
            x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
            x2, y2 = b.x, b.y + NODE_H / 2
            bend = (x2 - x1) / 2
            path = (
                f"M{x1:.0f},{y1:.0f} C{x1 + bend:.0f},{y1:.0f} "
                f"{x2 - bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            )
            lx, ly = (x1 + x2) / 2, (y1 + y2) / 2
        elif b.x == a.x:  # within a column: an arc on the right of the column
            x1, y1 = a.x + NODE_W, a.y + NODE_H * (0.3 if b.y < a.y else 0.7)
            y2 = b.y + NODE_H * (0.7 if b.y < a.y else 0.3)
            out = x1 + 18 + 10 * abs(b.y - a.y) / ROW
            path = f"M{x1:.0f},{y1:.0f} C{out:.0f},{y1:.0f} {out:.0f},{y2:.0f} {x1:.0f},{y2:.0f}"
            lx, ly = out + 4, (y1 + y2) / 2
        else:  # backwards: bend below both boxes
            x1, y1 = a.x + NODE_W * 0.35, a.y + NODE_H
            x2, y2 = b.x + NODE_W * 0.65, b.y + NODE_H
            low = max(y1, y2) + 30 + abs(x1 - x2) / 8
            path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{low:.0f} {x2:.0f},{low:.0f} {x2:.0f},{y2:.0f}"
            lx, ly = (x1 + x2) / 2, low - 8
        drawn.append(PlacedEdge(e, path, 1.5 + 10 * e.count / top, kind, lx, ly))
    width = 40 + max(len(order), 1) * COLUMN
    graph_h = TOP + max(rows.values(), default=1) * ROW + 40
    marks, curve_path = _curve(curve, column, graph_h, friction.emotion)
    height = graph_h + (CURVE_TITLE + CURVE_H + 30 if marks else 0)
    stages = [(s, 20 + column[s] * COLUMN + NODE_W / 2) for s in order]
    unhappy = {s: m for s, m in friction.emotion.items() if s in column}
    return Drawing(
        width,
        int(height),
        stages,
        list(placed.values()),
        drawn,
        marks,
        curve_path,
        graph_h,
        unhappy=unhappy,
    )


def _curve(
    points: Sequence[CurvePoint],
    column: Mapping[str, int],
    top: float,
    unhappy: Mapping[str, EmotionPoint],
) -> tuple[list[CurveMark], str]:
    """Mean sentiment per stage (-1 at the bottom, +1 at the top) under the stage columns."""
    marks = []
    for p in points:
        if p.key not in column or p.sentiment.value is None or not p.comments:
            continue
        x = 20 + column[p.key] * COLUMN + NODE_W / 2
        y = top + CURVE_TITLE + (1 - p.sentiment.value) / 2 * CURVE_H
        marks.append(CurveMark(p.key, x, y, p, unhappy.get(p.key)))
    marks.sort(key=lambda m: m.x)
    path = " ".join(f"{'M' if i == 0 else 'L'}{m.x:.0f},{m.y:.0f}" for i, m in enumerate(marks))
    return marks, path
