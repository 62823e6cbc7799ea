"""`cxm kpi aov|conversion|repeat|returns|churn`: sales KPIs beside the experience ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from cxm.analytics.kpi_commands import kpi_group
from cxm.analytics.measures import KpiFilter
from cxm.analytics.sales import DEFAULT_CHURN_DAYS, SALES_BREAKDOWNS, SalesFigure
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError

TITLES = {
    "conversion": "Conversion to the next stage (%)",
    "aov": "Average order value",
    "repeat": "Repeat purchase rate (%)",
    "returns": "Return rate (%)",
    "churn": "Churn (%)",
}


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, help_text in reversed(
        (
            ("channel", "Only orders (or stage entries) in this channel."),
            ("store", "Only orders at this location code ((online) for none)."),
            ("region", "Only orders at locations in this region."),
            ("language", "Only customers with this language (uk, ru, en, ...)."),
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
        type=click.Choice(SALES_BREAKDOWNS),
        default=None,
        help="Break the figure down (month gives the trend).",
    )(func)
    return func


def _line(f: SalesFigure, by: str | None) -> str:
    d = f.as_dict()
    label = f.period if by == "month" else f.key
    if f.stage:
        label = f"{f.stage} -> {d['next_stage']}" + ("" if label == "all" else f" · {label}")
    change = ""
    if d["change"] is not None:
        mark = " (significant)" if d["significant"] else ""
        change = f"  change {d['change']:+.1f}{mark}"
    small = "  (few answers)" if d["small_sample"] else ""
    unit = f" {f.currency}" if f.currency else ""
    excluded = f"  ({f.excluded} in other currencies left out)" if f.excluded else ""
    value = f"{d['value']:8.1f}{unit} ± {d['margin'] or 0:.1f}"
    return f"{label:<28} {value}  n = {d['n']:,}{change}{small}{excluded}"


def _run(ctx: click.Context, metric: str, by: str | None, period: str | None, **kw: Any) -> None:
    from cxm.analytics.backend import Analytics
    from cxm.analytics.sales import sales_figures

    as_json, org_slug = kw.pop("as_json"), kw.pop("org_slug")
    days = kw.pop("days", DEFAULT_CHURN_DAYS)
    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        figures = sales_figures(
            analytics, organization_id(db, org_slug), metric, by, period, KpiFilter(**kw), days
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in figures]))
        return
    if not figures:
        click.echo("No orders or events match these filters in this period.")
        return
    first = figures[-1] if by == "month" else figures[0]
    extra = f", as of {first.as_of}, no order in {first.days} days" if first.as_of else ""
    click.echo(f"{TITLES[metric]}, {first.period}{extra}")
    for f in figures:
        click.echo("  " + _line(f, by))


def _command(metric: str, summary: str, example: str) -> None:
    @click.pass_context
    def run(ctx: click.Context, /, by: str | None, period: str | None, **kw: Any) -> None:
        _run(ctx, metric, by, period, **kw)

    run.__doc__ = f"{summary}\n\n    \b\n    Example:\n      {example}\n"
    func = _options(run)
    if metric == "churn":
        func = click.option(
            "--days",
            type=click.IntRange(1, 730),
            default=DEFAULT_CHURN_DAYS,
            show_default=True,
            help="N: churned means no order in the last N days.",
        )(func)
    kpi_group.command(metric)(func)


_command(
    "conversion",
    "Conversion from each journey stage to the next, with Wilson intervals.",
    "cxm kpi conversion --period 2026-10 --by channel",
)
_command(
    "aov",
    "Average order value in the organization's currency, with a t interval.",
    "cxm kpi aov --by store --period 2026-Q3 --json",
)
_command(
    "repeat",
    "Repeat purchase rate: buyers of the period with at least two orders so far.",
    "cxm kpi repeat --period 2026-10 --by segment",
)
_command(
    "returns",
    "Return rate: the period's orders returned or refunded.",
    "cxm kpi returns --period 2026 --by channel",
)
_command(
    "churn",
    "Churn: customers with no order in N days (newer customers are not counted).",
    "cxm kpi churn --days 120 --by delivery --period 2026-10",
)
