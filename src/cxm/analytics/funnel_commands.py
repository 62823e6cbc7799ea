"""`cxm journeys funnel`: the funnel's options, query and printout (shared with the Spark
command)."""

from __future__ import annotations

import json
from typing import Any

import click


def funnel_options(func: Any) -> Any:
    """The funnel's steps, window, order and filters, and the breakdown to print."""
    for option in reversed(
        [
            click.option(
                "--step",
                "steps",
                multiple=True,
                required=True,
                help="A step, in order (repeat): a touchpoint code, a journey stage "
                "(stage:NAME), an event name, or 'Event Name[key=value]'.",
            ),
            click.option("--window-hours", type=float, default=24.0, show_default=True),
            click.option(
                "--strict", is_flag=True, help="No other mapped event may lie between two steps."
            ),
            click.option("--store", default=None, help="Only attempts starting at this location."),
            click.option("--channel", default=None, help="Only attempts starting in this channel."),
            click.option(
                "--segment", default=None, help="Only attempts of customers in this segment."
            ),
            click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None),
            click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None),
            click.option(
                "--first",
                default=None,
                help="Only customers with a journey in the period starting at this touchpoint.",
            ),
            click.option(
                "--outcome",
                type=click.Choice(["promoter", "passive", "detractor"]),
                default=None,
                help="Only customers whose latest NPS answer is in this group.",
            ),
            click.option(
                "--gap-days",
                type=click.IntRange(1, 365),
                default=30,
                show_default=True,
                help="Days of inactivity that end a journey, for --first.",
            ),
            click.option(
                "--by",
                type=click.Choice(["channel", "segment"]),
                default="channel",
                show_default=True,
                help="Break the steps down by the attempt's channel or the customer's segment.",
            ),
        ]
    ):
        func = option(func)
    return func


def funnel_query(kw: dict[str, Any]) -> Any:
    from cxm.analytics.funnels import FunnelQuery

    return FunnelQuery(
        tuple(kw["steps"]),
        kw["window_hours"],
        kw["strict"],
        kw["store"],
        kw["channel"],
        kw["since"].date() if kw["since"] else None,
        kw["until"].date() if kw["until"] else None,
        kw["segment"],
        kw.get("first"),
        kw.get("outcome"),
        kw.get("gap_days", 30),
    )


@click.command("funnel")
@funnel_options
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def journeys_funnel(
    ctx: click.Context, /, org_slug: str, as_json: bool, by: str, **kw: Any
) -> None:
    """Funnel: conversion, drop-off and median time per step, by channel or segment.

    \b
    Examples:
      cxm journeys funnel --step 'Checkout Step Viewed[step=1]' \\
        --step 'Checkout Step Viewed[step=2]' --step 'Checkout Step Viewed[step=3]' \\
        --step 'Order Completed' --window-hours 2 --channel web
      cxm journeys funnel --step web_cart --step web_order --by segment --json
    """
    from cxm.analytics.commands import run_analysis
    from cxm.analytics.funnels import funnel

    echo_funnel(run_analysis(ctx, org_slug, funnel, funnel_query(kw)), by, as_json)


def echo_funnel(found: Any, by: str, as_json: bool) -> None:
    """Print a funnel as JSON (with the drop-off order per group) or as a table."""
    from dataclasses import asdict

    if as_json:
        body = asdict(found)
        body["drop_offs"] = {
            "all": [s.step for s in found.drop_offs()],
            **{g: [s.step for s in found.drop_offs(g, by)] for g in found.breakdown(by)},
        }
        click.echo(json.dumps(body))
        return
    if found.message:
        click.echo(found.message)
        return
    click.echo(f"{found.attempts:,} attempts, {found.completed:,} completed")
    for label, rows in [("all", found.steps), *found.breakdown(by).items()]:
        click.echo(f"\n{label}")
        for s in rows:
            drop = f"drop {s.drop_rate:6.1%}" if s.drop_rate is not None else " " * 11
            hours = (
                f"median {s.median_hours_from_previous:7.2f} h"
                if s.median_hours_from_previous is not None
                else ""
            )
            click.echo(f"  {s.attempts:>8,}  {s.conversion:6.1%}  {drop}  {hours}  {s.step}")
