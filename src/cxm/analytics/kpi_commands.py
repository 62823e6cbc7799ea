"""`cxm kpi nps|csat|ces|enps`: experience KPIs with filters and breakdowns, as tables or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from cxm.analytics.commands import journey_filter_options
from cxm.analytics.measures import BREAKDOWNS, KpiFigure, KpiFilter
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import CxmError, ValidationError

TITLES = {
    "nps": "NPS (points)",
    "csat": "CSAT top-2-box (%)",
    "ces": "CES mean (1-7, 7 = very easy)",
    "enps": "eNPS (points)",
}


@click.group("kpi")
def kpi_group() -> None:
    """Experience KPIs with margins of error and significance.

    \b
    Examples:
      cxm kpi nps --by store --period 2026-10
      cxm kpi csat --period 2026-Q3 --by region --json
      cxm kpi enps --by store --period 2026
      cxm kpi nps --by delivery --period 2026 --json
    """


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, help_text in reversed(
        (
            ("channel", "Only answers from this channel (web, app, store, ...)."),
            ("store", "Only answers about this location code."),
            ("region", "Only answers about locations in this region."),
            ("touchpoint", "Only answers triggered at this touchpoint code."),
            ("stage", "Only this journey stage (purchase, delivery, ...)."),
            ("language", "Only answers in this language (uk, ru, en, ...)."),
            ("segment", "Only answers of customers in this segment (new, regular, loyalty, ...)."),
            (
                "survey",
                "Only this survey (its code); codes joined by commas make one merged series.",
            ),
        )
    ):
        func = click.option(f"--{name}", default=None, help=help_text)(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")(func)
    func = click.option("--org", "org_slug", default="demo", show_default=True)(func)
    func = click.option(
        "--period",
        default=None,
        metavar="PERIOD",
        help="2026-10, 2026-Q3 or 2026 in organization time (default: last complete month).",
    )(func)
    func = click.option(
        "--by",
        type=click.Choice(BREAKDOWNS),
        default=None,
        help="Break the figure down (month gives the trend; delivery: the punctuality of "
        "the response's order, on_time, late, (no delivery) or (no order)). Each segment is "
        "also compared with all the others together.",
    )(func)
    return func


def _run(ctx: click.Context, metric: str, by: str | None, period: str | None, **kw: Any) -> None:
    from cxm.analytics.backend import Analytics
    from cxm.analytics.measures import kpi_figures

    as_json, org_slug = kw.pop("as_json"), kw.pop("org_slug")
    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        figures = kpi_figures(
            analytics,
            organization_id(db, org_slug),
            metric,
            by,
            period,
            KpiFilter(**kw),
            paired=by != "month",
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in figures]))
        return
    if not figures:
        click.echo(f"No {metric.upper()} answers match these filters in this period.")
        return
    click.echo(f"{TITLES[metric]}, {figures[-1].period if by == 'month' else figures[0].period}")
    for f in figures:
        click.echo("  " + _line(f, by))


def _line(f: KpiFigure, by: str | None) -> str:
    out = f.as_dict()
    label = f.period if by == "month" else f.key
    if f.suppressed:
        return f"{label:<16} (fewer than 5 answers: not shown)  n = {out['n']:,}"
    change = ""
    if out["change"] is not None:
        mark = " (significant)" if out["significant"] else ""
        change = f"  change {out['change']:+.1f}{mark}"
    if (pc := out["paired_change"]) is not None and pc["difference"] is not None:
        mark = " (significant)" if pc["significant"] else ""
        change += f"  paired {pc['difference']:+.1f} (n = {pc['n']:,}){mark}"
    rest = ""
    if (r := out["versus_rest"]) is not None and r["difference"] is not None:
        mark = " (significant)" if r["significant"] else ""
        rest = f"  vs rest {r['difference']:+.1f}{mark}"
    small = "  (few answers)" if out["small_sample"] else ""
    value = f"{out['value']:6.1f} ± {out['margin'] or 0:4.1f}"
    return f"{label:<16} {value}  n = {out['n']:,}{change}{rest}{small}"


def _command(metric: str, summary: str, example: str) -> click.Command:
    @click.pass_context
    def run(ctx: click.Context, /, by: str | None, period: str | None, **kw: Any) -> None:
        _run(ctx, metric, by, period, **kw)

    run.__doc__ = f"{summary}\n\n    \b\n    Example:\n      {example}\n"
    return kpi_group.command(metric)(_options(run))


_command(
    "nps",
    "NPS with n, its 95% margin of error and the change since the period before.",
    "cxm kpi nps --by store --period 2026-10 --json",
)
_command(
    "csat",
    "CSAT: top-2-box share (Wilson interval) and mean (t interval) on the 1-5 scale.",
    "cxm kpi csat --by store --period 2026-Q3",
)
_command(
    "ces",
    "CES: mean effort on 1-7 (t interval) and the share of easy answers (5-7).",
    "cxm kpi ces --by channel --period 2026",
)
_command(
    "enps",
    "Employee NPS; groups of fewer than five respondents are never shown.",
    "cxm kpi enps --by store --period 2026",
)


@kpi_group.command("gaps")
@click.option(
    "--gap",
    type=click.Choice(["expectation", "sacrifice"]),
    default="expectation",
    show_default=True,
    help="perception - expectation, or ideal - accepted.",
)
@_options
@click.pass_context
def kpi_gaps(
    ctx: click.Context, /, gap: str, by: str | None, period: str | None, **kw: Any
) -> None:
    """Expectation or customer sacrifice gap per attribute, with paired intervals.

    \b
    Example:
      cxm kpi gaps --gap sacrifice --period 2026 --by store
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.gaps import gap_figures

    as_json, org_slug = kw.pop("as_json"), kw.pop("org_slug")
    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        figures = gap_figures(
            analytics, organization_id(db, org_slug), gap, by, period, KpiFilter(**kw)
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in figures]))
        return
    if not figures:
        click.echo("No paired answers match these filters in this period.")
        return
    title = (
        "Expectation gap (perception - expectation)"
        if gap == "expectation"
        else ("Customer sacrifice gap (ideal - accepted)")
    )
    click.echo(f"{title}, 1-7 scale, {figures[-1].period}")
    for f in figures:
        label = f.period if by == "month" else f.key
        e = f.estimate
        small = "  (few answers)" if e.small_sample else ""
        click.echo(
            f"  {f.attribute:<20} {label:<16} {e.value:+6.2f} ± {e.margin or 0:4.2f}"
            f"  n = {e.n:,}{small}"
        )


@kpi_group.command("emotions")
@click.option("--by", type=click.Choice(["stage", "channel"]), default="stage", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--store", default=None, help="Only customers with a journey touching it.")
@click.option("--gap-days", type=click.IntRange(1, 365), default=30, show_default=True)
@journey_filter_options
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def kpi_emotions(
    ctx: click.Context,
    /,
    by: str,
    since: Any,
    until: Any,
    org_slug: str,
    as_json: bool,
    **kw: Any,
) -> None:
    """The emotion curve: sentiment, emotions and NPS at each journey stage or channel.

    The journey filters narrow comments and answers to customers: in a segment, with an
    outcome, or with a journey in the period touching a store, with an event in a channel or
    starting at a touchpoint.

    \b
    Examples:
      cxm kpi emotions --by stage --since 2026-08-01
      cxm kpi emotions --store KYIV-2 --outcome detractor --json
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.emotion_curve import emotion_curve
    from cxm.analytics.journeys import JourneyQuery

    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        points = emotion_curve(
            analytics,
            organization_id(db, org_slug),
            by,
            since.date() if since else None,
            until.date() if until else None,
            journeys=JourneyQuery(**kw),
        )
    except CxmError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in points]))
        return
    if not points:
        click.echo("No enriched comments in this period (run `cxm text enrich`).")
        return
    click.echo(f"{'':<14} {'comments':>8} {'sentiment':>10} {'negative':>9} {'NPS':>6}  emotions")
    for p in points:
        d = p.as_dict()
        top = sorted(d["emotions"].items(), key=lambda kv: -kv[1])[:3]
        feel = ", ".join(f"{k} {v:.0%}" for k, v in top if v > 0)
        nps = f"{d['nps']:6.0f}" if d["nps"] is not None else "     -"
        click.echo(
            f"{d['key']:<14} {d['comments']:>8,} {d['sentiment']:>+10.2f} "
            f"{d['negative_share']:>9.0%} {nps}  {feel}"
        )
