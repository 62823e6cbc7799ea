"""`cxm analytics spark emotion-curve|friction-sections`: what customers said, on Spark."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cxm.analytics.commands import journey_filter_options
from cxm.analytics.engine_commands import _on_spark, _query, _spark_options, spark_group
from cxm.core.errors import CxmError


@spark_group.command("emotion-curve")
@_spark_options
@journey_filter_options
@click.option("--by", type=click.Choice(["stage", "channel"]), default="stage", show_default=True)
def spark_emotion_curve(
    directory: Path, org_id: int, master: str, as_json: bool, by: str, **kw: Any
) -> None:
    """The emotion curve computed by Spark: sentiment, emotions and NPS per stage or channel.

    The same points as `cxm kpi emotions` on the embedded analytics store (a comment without
    a touchpoint takes the stage of the customer's last event in the fortnight before it).

    \b
    Example:
      cxm analytics spark emotion-curve ./parquet --org-id 1 --store KYIV-2 --json
    """
    from cxm.analytics.emotion_curve import portable_emotion_curve

    q = _query(**kw)
    try:
        points = _on_spark(
            directory,
            master,
            lambda con: portable_emotion_curve(con, org_id, by, q.since, q.until, journeys=q),
        )
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in points]))
        return
    if not points:
        click.echo("No enriched comments in this period (run `cxm text enrich`).")
    for p in points:
        d = p.as_dict()
        nps = f"{d['nps']:6.0f}" if d["nps"] is not None else "     -"
        click.echo(
            f"{d['key']:<14} {d['comments']:>8,} {d['sentiment']:>+10.2f} "
            f"{d['negative_share']:>9.0%} {nps}"
        )


@spark_group.command("friction-sections")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--org-id", type=int, required=True, help="Organization id.")
@click.option(
    "--funnel",
    "funnels",
    multiple=True,
    help="A funnel to weigh for drop-off besides the ones found, steps separated by ' > ' "
    "(repeat).",
)
@click.option("--store", default=None, help="Only funnel attempts started (and customers) here.")
@click.option("--channel", default=None, help="Only funnel attempts started in this channel.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--segment", default=None, help="Only customers in this segment.")
@click.option("--first", default=None, help="Only customers whose journey starts at this code.")
@click.option(
    "--outcome",
    type=click.Choice(["promoter", "passive", "detractor"]),
    default=None,
    help="Only customers whose latest NPS answer is in this group.",
)
@click.option(
    "--gap-days",
    type=click.IntRange(1, 365),
    default=30,
    show_default=True,
    help="Days of inactivity that end a journey, for --first.",
)
@click.option("--master", default="local[*]", show_default=True, help="Spark master URL.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def spark_friction_sections(
    directory: Path,
    org_id: int,
    funnels: tuple[str, ...],
    store: str | None,
    channel: str | None,
    since: datetime | None,
    until: datetime | None,
    segment: str | None,
    first: str | None,
    outcome: str | None,
    gap_days: int,
    master: str,
    as_json: bool,
) -> None:
    """Friction's drop-off, effort and negative-emotion sections computed by Spark.

    The same sections, with the same filters and results, as `cxm friction` on the embedded
    analytics store: funnel steps with unusual drop-off, touchpoints hard to deal with (CES)
    and stages customers write unhappily about, narrowed to customers with a journey starting
    at a touchpoint (--first) or in an NPS group (--outcome) as there. The engine counts; the
    tests run here.

    \b
    Example:
      cxm analytics spark friction-sections ./parquet --org-id 1 --channel web --json
      cxm analytics spark friction-sections ./parquet --org-id 1 --outcome detractor
    """
    from cxm.analytics.portable_friction import portable_sections

    start = since.date() if since else None
    end = until.date() if until else None

    def run(con: Any) -> dict[str, Any]:
        found = portable_sections(
            con, org_id, store, channel, start, end, funnels, segment, first, outcome, gap_days
        )
        return asdict(found)

    try:
        found = _on_spark(directory, master, run)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(found))
        return
    click.echo("Funnel steps with unusual drop-off")
    for d in found["drop_offs"]["steps"]:
        click.echo(
            f"  {d['drop_rate']:6.1%} of {d['attempts']:>7,}  {d['step']} -> {d['next_step']}"
            f"{'  unusual' if d['unusual'] else ''}"
        )
    click.echo("Touchpoints hard to deal with (CES, 7 = very easy)")
    for p in found["effort"]["points"]:
        mean = f"{p['mean']:4.2f}" if p["mean"] is not None else "   -"
        click.echo(
            f"  {mean} n = {p['respondents']:>6,}  {p['touchpoint']}"
            f"{'  harder' if p['harmful'] else ''}"
        )
    click.echo("Stages with negative comments")
    for e in found["emotion"]["points"]:
        click.echo(
            f"  {e['negative']:>6,} of {e['comments']:>6,} negative  {e['stage']}"
            f"{'  more negative' if e['harmful'] else ''}"
        )
    for section in ("drop_offs", "effort", "emotion"):
        if found[section]["message"]:
            click.echo(found[section]["message"])
