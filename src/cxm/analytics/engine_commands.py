"""`cxm analytics export|spark`: the analytics store as Parquet, and journeys on Spark."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cxm.analytics.commands import journey_filter_options, split_option
from cxm.analytics.funnel_commands import echo_funnel, funnel_options, funnel_query
from cxm.analytics.journeys import JourneyQuery
from cxm.core.commands import command_settings, open_store
from cxm.core.errors import CxmError


@click.group("analytics")
def analytics_group() -> None:
    """The analytics store for other engines: Parquet export, journeys on Spark.

    \b
    Examples:
      cxm analytics export ./parquet
      cxm analytics spark journeys ./parquet --org-id 1 --json
      cxm analytics spark rework ./parquet --org-id 1 --json
      cxm analytics spark funnel ./parquet --org-id 1 --step web_cart --step web_order
    """


@analytics_group.command("export")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def export(ctx: click.Context, directory: Path) -> None:
    """Sync, then write every analytics table to DIRECTORY/<table>.parquet.

    Spark, Trino, ClickHouse or pandas can read the files; times are UTC, and each
    timestamp has an organization-time twin (``*_local``).

    \b
    Example:
      cxm analytics export ./parquet
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.spark import export_parquet

    settings = command_settings(ctx)
    analytics = Analytics(open_store(settings), settings)
    try:
        counts = export_parquet(analytics, directory)
    finally:
        analytics.close()
    for name, n in counts.items():
        click.echo(f"{name:<16} {n:>12,} rows")


@analytics_group.group("spark")
def spark_group() -> None:
    """Journey analytics on Spark over a Parquet export (needs cxm[spark] and Java 17).

    \b
    Example:
      cxm analytics spark journeys ./parquet --org-id 1 --master local[2]
    """


def _spark_options(func: Any) -> Any:
    func = click.argument("directory", type=click.Path(path_type=Path, file_okay=False))(func)
    func = click.option("--org-id", type=int, required=True, help="Organization id.")(func)
    func = click.option("--gap-days", type=click.IntRange(1, 365), default=30, show_default=True)(
        func
    )
    func = click.option("--store", default=None, help="Only journeys touching this location.")(func)
    func = click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)(func)
    func = click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)(func)
    func = click.option(
        "--master", default="local[*]", show_default=True, help="Spark master URL."
    )(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)
    return func


def _query(
    gap_days: int,
    store: str | None,
    since: datetime | None,
    until: datetime | None,
    segment: str | None = None,
    channel: str | None = None,
    first: str | None = None,
    outcome: str | None = None,
    split: str = "gap",
) -> JourneyQuery:
    return JourneyQuery(
        gap_days=gap_days,
        store=store,
        since=since.date() if since else None,
        until=until.date() if until else None,
        segment=segment,
        channel=channel,
        first=first,
        outcome=outcome,
        split=split,
    )


# Set by `cxm analytics spark batch`: its commands share one Spark session, stopped at the end.
KEEP_SESSION = {"on": False}


def _on_spark(directory: Path, master: str, run: Any) -> Any:
    from cxm.analytics.spark import spark_connection

    try:
        con = spark_connection(directory, master)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        return run(con)
    finally:
        if not KEEP_SESSION["on"]:
            con._session.stop()


@spark_group.command("journeys")
@_spark_options
@journey_filter_options
@split_option
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option(
    "--churn-days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="Days without an event after a journey that count as churn (variants' outcomes).",
)
def spark_journeys(
    directory: Path,
    org_id: int,
    master: str,
    as_json: bool,
    top: int,
    churn_days: int,
    **kw: Any,
) -> None:
    """Directly-follows graph, variants (with NPS, conversion, churn) and throughput time
    computed by Spark.

    The same Ibis expressions as on DuckDB, with the same results.

    \b
    Example:
      cxm analytics spark journeys ./parquet --org-id 1 --store KYIV-2 --json
      cxm analytics spark journeys ./parquet --org-id 1 --split order
    """
    from cxm.analytics.portable import portable_dfg, portable_throughput, portable_variants

    q = _query(**kw)
    edges, found, spans = _on_spark(
        directory,
        master,
        lambda con: (
            portable_dfg(con, org_id, q),
            portable_variants(con, org_id, q, top, churn_days),
            portable_throughput(con, org_id, q),
        ),
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "dfg": [asdict(e) for e in edges],
                    "variants": [asdict(v) for v in found],
                    "throughput": asdict(spans),
                }
            )
        )
        return
    click.echo("Directly-follows graph")
    for e in edges:
        click.echo(
            f"{e.source:>24} -> {e.target:<24} {e.count:>8,}  {e.share:6.1%}  "
            f"median {e.median_hours:8.2f} h  p90 {e.p90_hours:8.2f} h"
        )
    from cxm.analytics.commands import outcome_text

    click.echo("Variants")
    for v in found:
        steps = " > ".join(v.steps)
        click.echo(
            f"{v.journeys:>8,}  {v.share:6.1%}  {v.median_days:7.2f} d  {outcome_text(v)}  {steps}"
        )
    click.echo("Throughput time (first to last event of a journey)")
    if spans.journeys:
        click.echo(
            f"{spans.journeys:>8,} journeys  median {spans.median_hours:8.2f} h  "
            f"p90 {spans.p90_hours:8.2f} h  mean {spans.mean_hours:8.2f} h"
        )


@spark_group.command("rework")
@_spark_options
@split_option
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
def spark_rework(
    directory: Path,
    org_id: int,
    master: str,
    as_json: bool,
    loop_contacts: int,
    top: int,
    **kw: Any,
) -> None:
    """Rework computed by Spark: contact loops, revisited touchpoints, channel switches.

    The same results as `cxm journeys rework` on the embedded analytics store.

    \b
    Example:
      cxm analytics spark rework ./parquet --org-id 1 --loop-contacts 3 --json
    """
    from cxm.analytics.portable_rework import portable_rework
    from cxm.analytics.rework import ReworkQuery

    jq = _query(**kw)
    q = ReworkQuery(jq.gap_days, loop_contacts, jq.store, jq.since, jq.until, top, jq.split)
    found = _on_spark(directory, master, lambda con: portable_rework(con, org_id, q))
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    loops = found.loops
    click.echo(
        f"Contact loops ({loop_contacts}+ contacts about one order): {loops.orders:,} orders, "
        f"{loops.customers:,} customers, {loops.respondents:,} answers"
    )
    for r in found.revisits:
        click.echo(f"  revisits {r.revisits:>8,}  {r.customers:>7,} customers  {r.touchpoint}")
    for sw in found.switches:
        click.echo(f"  switches {sw.journeys:>8,}  {sw.share:6.1%}  {sw.first} -> {sw.last}")


@spark_group.command("funnel")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--org-id", type=int, required=True, help="Organization id.")
@funnel_options
@click.option("--master", default="local[*]", show_default=True, help="Spark master URL.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def spark_funnel(
    directory: Path, org_id: int, master: str, as_json: bool, by: str, **kw: Any
) -> None:
    """Funnel computed by Spark: conversion, drop-off and median time per step.

    The same steps, window, order and filters as `cxm journeys funnel`, with the same results.

    \b
    Example:
      cxm analytics spark funnel ./parquet --org-id 1 --step web_cart --step web_order \\
        --window-hours 72 --strict --by segment --json
    """
    from cxm.analytics.portable_funnel import portable_funnel

    q = funnel_query(kw)
    try:
        found = _on_spark(directory, master, lambda con: portable_funnel(con, org_id, q))
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    echo_funnel(found, by, as_json)


# The modules below register their commands on the spark group (one line each).
from cxm.analytics import (  # noqa: E402
    spark_batch,  # noqa: F401  (batch: many commands in one Spark session)
    spark_evidence_commands,  # noqa: F401  (evidence behind a friction point)
    spark_order_commands,  # noqa: F401  (drivers, friction, outcomes)
    spark_voice_commands,  # noqa: F401  (emotion-curve, friction-sections)
)
