"""`cxm kpi heatmap|weekly`: the dashboard's stage x channel cross-tab and weekly trend."""

from __future__ import annotations

import json
from typing import Any

import click

from cxm.analytics.kpi_commands import kpi_group
from cxm.analytics.measures import KpiFilter
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError


def _open(ctx: click.Context, org_slug: str) -> tuple[Any, int]:
    from cxm.analytics.backend import Analytics

    settings = command_settings(ctx)
    db = open_store(settings)
    return Analytics(db, settings), organization_id(db, org_slug)


@kpi_group.command("heatmap")
@click.option("--metric", type=click.Choice(["nps", "csat"]), default="nps", show_default=True)
@click.option("--period", default=None, metavar="PERIOD", help="2026-10, 2026-Q3 or 2026.")
@click.option("--store", default=None, help="Only answers about this location code.")
@click.option("--survey", default=None, help="Only this survey (codes, comma-separated).")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def kpi_heatmap(ctx: click.Context, metric: str, period: str | None, store: str | None,
                survey: str | None, org_slug: str, as_json: bool) -> None:  # fmt: skip
    """NPS or CSAT per journey stage x channel, with n per cell (few answers marked ~).

    \b
    Example:
      cxm kpi heatmap --metric csat --period 2026-Q3
    """
    from cxm.analytics.dashboard import heatmap

    analytics, org = _open(ctx, org_slug)
    try:
        found = heatmap(analytics, org, metric, period, KpiFilter(store=store, survey=survey))
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps(found.as_dict()))
        return
    if not found.cells:
        click.echo("No answers match in this period.")
        return
    click.echo(f"{metric.upper()} by stage x channel, {found.period} (value / n; ~ few answers)")
    click.echo(f"{'':<14}" + "".join(f"{c:>18}" for c in found.channels))
    for stage in found.stages:
        line = f"{stage:<14}"
        for channel in found.channels:
            cell = found.cells.get((stage, channel))
            if cell is None or cell.estimate.value is None:
                line += f"{'-':>18}"
                continue
            d = cell.as_dict(metric)
            mark = "~" if d["small_sample"] else " "
            line += f"{d['value']:>9.0f} / {d['n']:<5,}{mark}"
        click.echo(line)


@kpi_group.command("weekly")
@click.option("--metric", type=click.Choice(["nps", "csat"]), default="nps", show_default=True)
@click.option("--period", default=None, metavar="PERIOD", help="2026-10, 2026-Q3 or 2026.")
@click.option("--channel", default=None, help="Only answers from this channel.")
@click.option("--store", default=None, help="Only answers about this location code.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def kpi_weekly(ctx: click.Context, metric: str, period: str | None, channel: str | None,
               store: str | None, org_slug: str, as_json: bool) -> None:  # fmt: skip
    """NPS or CSAT per week with n and its margin of error.

    \b
    Example:
      cxm kpi weekly --metric nps --period 2026-Q3 --json
    """
    from cxm.analytics.dashboard import weekly_trend

    analytics, org = _open(ctx, org_slug)
    try:
        points = weekly_trend(
            analytics, org, metric, period, KpiFilter(channel=channel, store=store)
        )
    except ValidationError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps([p.as_dict(metric) for p in points]))
        return
    for p in points:
        d = p.as_dict(metric)
        small = "  (few answers)" if d["small_sample"] else ""
        click.echo(
            f"{d['week']}  {d['value']:6.1f} ± {d['margin'] or 0:4.1f}  n = {d['n']:,}{small}"
        )
