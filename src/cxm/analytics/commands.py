"""`cxm journeys`: journey analyses from the command line, as JSON or tables."""

from __future__ import annotations

import json
from typing import Any

import click

from cxm.analytics.funnel_commands import journeys_funnel
from cxm.core.commands import command_settings, open_store, organization_id


@click.group("journeys")
def journeys_group() -> None:
    """Journeys: directly-follows graph and variants of touchpoints.

    \b
    Example:
      cxm journeys dfg --store KYIV-2 --json
    """


def _journey_options(func: Any) -> Any:
    func = click.option(
        "--gap-days",
        type=click.IntRange(1, 365),
        default=30,
        show_default=True,
        help="Inactivity that ends a journey.",
    )(func)
    func = click.option("--store", default=None, help="Only journeys touching this location.")(func)
    func = click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)(func)
    func = click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)(func)
    func = click.option("--org", "org_slug", default="demo", show_default=True)(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)
    return func


def journey_filter_options(func: Any) -> Any:
    """--segment, --channel, --first and --outcome (the journey map's other filters)."""
    func = click.option("--segment", default=None, help="Only customers in this segment.")(func)
    func = click.option("--channel", default=None, help="Only journeys with an event here.")(func)
    func = click.option("--first", default=None, help="Only journeys starting at this code.")(func)
    return click.option(
        "--outcome",
        type=click.Choice(["promoter", "passive", "detractor"]),
        default=None,
        help="Only customers whose latest NPS answer is in this group.",
    )(func)


def split_option(func: Any) -> Any:
    """--split gap|order: how a customer's events are cut into journeys."""
    return click.option(
        "--split",
        type=click.Choice(["gap", "order"]),
        default="gap",
        show_default=True,
        help="Cut journeys by inactivity (--gap-days) or by order cycle (first touch to the "
        "end of an order's after-sales; --gap-days is then ignored).",
    )(func)


def _journey_run(ctx: click.Context, org_slug: str, what: str, **kw: Any) -> list[Any]:
    from cxm.analytics.backend import Analytics
    from cxm.analytics.journey_kernels import load_throughput
    from cxm.analytics.journeys import JourneyQuery, load_dfg, load_variants
    from cxm.core.errors import CxmError

    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    q = JourneyQuery(
        gap_days=kw["gap_days"],
        store=kw["store"],
        since=kw["since"].date() if kw["since"] else None,
        until=kw["until"].date() if kw["until"] else None,
        segment=kw["segment"],
        channel=kw["channel"],
        first=kw["first"],
        outcome=kw["outcome"],
        split=kw["split"],
    )
    try:
        org_id = organization_id(db, org_slug)
        found: list[Any]
        if what == "dfg":
            found = load_dfg(analytics, org_id, q)
        elif what == "throughput":
            found = [load_throughput(analytics, org_id, q)]
        else:
            found = load_variants(analytics, org_id, q, kw["top"], kw["churn_days"])
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        analytics.close()
    return found


@journeys_group.command("dfg")
@_journey_options
@journey_filter_options
@split_option
@click.option("--top", type=int, default=30, show_default=True, help="Edges to print.")
@click.pass_context
def journeys_dfg(ctx: click.Context, /, org_slug: str, as_json: bool, top: int, **kw: Any) -> None:
    """Directly-follows graph: edge counts, share of journeys, median and p90 hours.

    \b
    Examples:
      cxm journeys dfg
      cxm journeys dfg --store KYIV-2 --since 2026-08-01 --json
      cxm journeys dfg --segment loyalty --first store_visit --outcome detractor
      cxm journeys dfg --split order
    """
    from dataclasses import asdict

    edges = _journey_run(ctx, org_slug, "dfg", **kw)
    if as_json:
        click.echo(json.dumps([asdict(e) for e in edges]))
    elif not edges:
        click.echo("No journeys match these filters.")
    for e in edges[:top] if not as_json else []:
        click.echo(
            f"{e.source:>16} -> {e.target:<16} {e.count:>8,}  {e.share:6.1%} of journeys"
            f"  median {e.median_hours:8.1f} h  p90 {e.p90_hours:8.1f} h"
        )


@journeys_group.command("variants")
@_journey_options
@journey_filter_options
@split_option
@click.option("--top", type=int, default=20, show_default=True, help="Variants to show.")
@click.option(
    "--churn-days",
    type=click.IntRange(1, 365),
    default=90,
    show_default=True,
    help="Days without an event after a journey that count as churn.",
)
@click.pass_context
def journeys_variants(
    ctx: click.Context, /, org_slug: str, as_json: bool, top: int, **kw: Any
) -> None:
    """The most frequent touchpoint sequences with share, median duration and outcomes.

    Outcomes per variant: NPS of the answers given during its journeys (and 14 days after),
    conversion (journeys with an order placed) and churn (no event within --churn-days
    after the journey), each with its 95% interval and base.

    \b
    Example:
      cxm journeys variants --top 10
      cxm journeys variants --churn-days 60 --json
    """
    from dataclasses import asdict

    found = _journey_run(ctx, org_slug, "variants", top=top, **kw)
    if as_json:
        click.echo(json.dumps([asdict(v) for v in found]))
        return
    if not found:
        click.echo("No journeys match these filters.")
    for v in found:
        click.echo(
            f"{v.journeys:>8,}  {v.share:6.1%}  {v.median_days:6.1f} d  {outcome_text(v)}  "
            + " > ".join(v.steps)
        )


def outcome_text(v: Any) -> str:
    """NPS, conversion and churn of a variant with their intervals and bases, for a table."""
    nps = "NPS -" if v.nps is None else f"NPS {v.nps:+.0f} [{v.nps_low:+.0f}, {v.nps_high:+.0f}]"
    conversion = f"conversion {v.conversion:.0%} [{v.conversion_low:.0%}, {v.conversion_high:.0%}]"
    churn = (
        "churn -"
        if v.churn is None
        else f"churn {v.churn:.0%} of {v.followed_up:,} [{v.churn_low:.0%}, {v.churn_high:.0%}]"
    )
    return f"{nps} (n={v.respondents:,})  {conversion}  {churn}"


@journeys_group.command("throughput")
@_journey_options
@journey_filter_options
@split_option
@click.pass_context
def journeys_throughput(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Throughput time: hours from each journey's first to its last event.

    \b
    Example:
      cxm journeys throughput --store KYIV-2 --json
    """
    from dataclasses import asdict

    found = _journey_run(ctx, org_slug, "throughput", **kw)[0]
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    if not found.journeys:
        click.echo("No journeys match these filters.")
        return
    click.echo(
        f"{found.journeys:,} journeys ({found.single_event:,} of one event): median "
        f"{found.median_hours:.1f} h, p90 {found.p90_hours:.1f} h, mean {found.mean_hours:.1f} h"
    )
    for f in found.by_first:
        click.echo(
            f"  {f.journeys:>8,}  median {f.median_hours:8.1f} h  p90 {f.p90_hours:8.1f} h"
            f"  starting at {f.first}"
        )


def run_analysis(
    ctx: click.Context, org_slug: str, fn: Any, q: Any, *, handle: bool = False
) -> Any:
    """Run one analysis over the synced analytics store; errors become usage messages.

    ``fn`` gets the Ibis connection, or with ``handle`` the analytics handle itself (for
    analyses that read the journey store too)."""
    from cxm.analytics.backend import Analytics
    from cxm.core.errors import CxmError

    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        org_id = organization_id(db, org_slug)
        if handle:
            return fn(analytics, org_id, q)
        with analytics.fresh() as con:
            return fn(con, org_id, q)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        analytics.close()


journeys_group.add_command(journeys_funnel)


@journeys_group.command("rework")
@_journey_options
@split_option
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@click.pass_context
def journeys_rework(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Rework: contact loops about one order, revisited touchpoints, channel switches.

    \b
    Example:
      cxm journeys rework --loop-contacts 3 --json
      cxm journeys rework --split order
    """
    from dataclasses import asdict

    from cxm.analytics.rework import ReworkQuery, rework

    q = ReworkQuery(
        kw["gap_days"],
        kw["loop_contacts"],
        kw["store"],
        kw["since"].date() if kw["since"] else None,
        kw["until"].date() if kw["until"] else None,
        kw["top"],
        kw["split"],
    )
    found = run_analysis(ctx, org_slug, rework, q, handle=True)
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    loops = found.loops
    nps = "-" if loops.nps is None else f"{loops.nps:+.0f}"
    other = "-" if loops.other_nps is None else f"{loops.other_nps:+.0f}"
    detractors = "-" if loops.detractor_share is None else f"{loops.detractor_share:.0%}"
    click.echo(
        f"Contact loops ({q.loop_contacts}+ contacts about one order): {loops.orders:,} orders, "
        f"{loops.customers:,} customers; NPS {nps} (others {other}) from "
        f"{loops.respondents:,} answers, {detractors} detractors; {loops.comments:,} comments"
    )
    click.echo("\nRevisited touchpoints")
    for r in found.revisits:
        click.echo(f"  {r.revisits:>8,}  {r.customers:>7,} customers  {r.touchpoint}")
    click.echo("\nChannel switches (first -> last channel of a journey)")
    for s in found.switches:
        click.echo(f"  {s.journeys:>8,}  {s.share:6.1%}  {s.first} -> {s.last}")
    if found.message:
        click.echo(found.message)


@journeys_group.command("outcomes")
@click.option("--event", default=None, help="Split by this: late, contact_loop, returned or a "
              "touchpoint code. Without it: by order variant.")  # fmt: skip
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--store", default=None, help="Only orders placed at this location.")
@click.option("--channel", default=None, help="Only orders placed in this channel.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--segment", default=None, help="Only orders of customers in this segment.")
@click.option(
    "--outcome",
    type=click.Choice(["promoter", "passive", "detractor"]),
    default=None,
    help="Only customers whose latest complete NPS answer is in this group.",
)
@click.option("--first", default=None, help="Only orders whose path starts at this touchpoint.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def journeys_outcomes(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Outcome per path: NPS, repeat purchase and churn by order variant or by an event.

    \b
    Examples:
      cxm journeys outcomes --top 5
      cxm journeys outcomes --event late --json
      cxm journeys outcomes --event late --segment loyalty --outcome detractor
    """
    from dataclasses import asdict

    from cxm.analytics.outcomes import OutcomeQuery, outcomes

    q = OutcomeQuery(
        kw["event"],
        top=kw["top"],
        store=kw["store"],
        channel=kw["channel"],
        since=kw["since"].date() if kw["since"] else None,
        until=kw["until"].date() if kw["until"] else None,
        segment=kw["segment"],
        outcome=kw["outcome"],
        first=kw["first"],
    )
    found = run_analysis(ctx, org_slug, outcomes, q)
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    if found.message:
        click.echo(found.message)
    for g in found.groups:
        nps = "-" if g.nps is None else f"{g.nps:+6.1f} [{g.nps_low:+.0f}, {g.nps_high:+.0f}]"
        churn = "-" if g.churn is None else f"{g.churn:.0%}"
        again = "-" if g.repeat_90 is None else f"{g.repeat_90:.0%}"
        csat = "-" if g.csat is None else f"{g.csat:.2f} (n={g.csat_n:,})"
        said = "-" if g.sentiment is None else f"{g.sentiment:+.2f} (n={g.comments:,})"
        click.echo(
            f"{g.orders:>8,} orders  NPS {nps:>18} (n={g.respondents:,})  "
            f"again in 90 d {again:>4}  churn {churn:>4}  CSAT {csat}  sentiment {said}  "
            f"{g.label}"
        )
    if found.nps_difference is not None:
        click.echo(
            f"Difference: NPS {found.nps_difference:+.1f} (p={found.nps_p_value:.3g}), "
            f"churn {found.churn_difference or 0:+.1%} (p={found.churn_p_value or 1:.3g})"
        )
    if found.csat_difference is not None or found.sentiment_difference is not None:
        click.echo(
            f"CSAT {found.csat_difference or 0:+.2f} (p={found.csat_p_value or 1:.3g}), "
            f"sentiment {found.sentiment_difference or 0:+.2f} "
            f"(p={found.sentiment_p_value or 1:.3g})"
        )
