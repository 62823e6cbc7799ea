"""`cxm analytics spark drivers|quadrants|friction|outcomes`: the per-order analyses computed
by Spark.

Spark builds the per-order facts from the Parquet export (``portable_orders``); the
statistics (regression, importance, intervals, tests) are the same Python code as on the
embedded analytics store, so the figures are the same.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import click

from cxm.analytics.driver_commands import (
    GAP,
    OUTCOME_CHOICES,
    REFUSED,
    TARGET_OPTION,
    echo_drivers,
    echo_quadrants,
)
from cxm.analytics.drivers import BUILT_IN
from cxm.analytics.engine_commands import _on_spark, spark_group
from cxm.core.errors import CxmError, ValidationError


def order_options(func: Any, store: bool = True) -> Any:
    """The Parquet directory, organization, Spark master, the order filters (``--store``
    unless ``store`` is False) and --json."""
    options = [
        click.argument("directory", type=click.Path(path_type=Path, file_okay=False)),
        click.option("--org-id", type=int, required=True, help="Organization id."),
        click.option("--store", default=None, help="Only orders placed at this location."),
        click.option("--channel", default=None, help="Only orders placed in this channel."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None),
        click.option("--segment", default=None, help="Only customers in this segment."),
        click.option("--master", default="local[*]", show_default=True, help="Spark master URL."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    ]
    if not store:
        del options[2]
    for option in reversed(options):
        func = option(func)
    return func


def friction_options(func: Any) -> Any:
    """The friction list's own options (after ``order_options``): loop size, first touchpoint
    with its journey gap, and outcome."""
    options = [
        click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True),
        click.option(
            "--first", default=None, help="Only orders whose journey starts at this touchpoint."
        ),
        click.option(
            "--gap-days", type=click.IntRange(1, 365), default=30, show_default=True, help=GAP
        ),
        click.option(
            "--outcome",
            type=click.Choice(["promoter", "passive", "detractor"]),
            default=None,
            help="Only customers whose latest complete NPS answer is in this group (reach and "
            "churn; no NPS effect).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def friction_query(kw: dict[str, Any], touchpoints: tuple[str, ...] = ()) -> Any:
    """The ``FrictionQuery`` of ``order_options`` and ``friction_options`` values."""
    from cxm.analytics.friction import FrictionQuery

    return FrictionQuery(
        touchpoints,
        kw["loop_contacts"],
        kw["store"],
        kw["channel"],
        day_of(kw["since"]),
        day_of(kw["until"]),
        segment=kw["segment"],
        first=kw["first"],
        gap_days=kw["gap_days"],
        outcome=kw["outcome"],
    )


def day_of(value: datetime | None) -> Any:
    return value.date() if value else None


def run_spark(directory: Path, master: str, run: Any) -> Any:
    try:
        return _on_spark(directory, master, run)
    except CxmError as exc:  # bad input names its field; say it as the CLI does
        raise click.ClickException(str(exc)) from exc


def _check_before_spark(q: Any) -> None:
    """Refuse a query that cannot run (e.g. an outcome group while NPS is explained) before
    Spark starts, naming the option at fault."""
    try:
        q.check()
    except ValidationError as exc:
        field = (exc.faults[0].field if exc.faults else None) or "drivers"
        option = "--driver" if field == "drivers" else "--" + field.replace("_", "-")
        raise click.BadParameter(str(exc), param_hint=option) from exc


def _num(value: float | None, fmt: str = "{:+.1f}") -> str:
    return "-" if value is None else fmt.format(value)


@spark_group.command("drivers")
@order_options
@click.option(
    "--driver",
    "drivers",
    multiple=True,
    help=f"A driver (repeat): {', '.join(BUILT_IN)}, a touchpoint code, theme:KEY (a theme "
    "of the customers' comments, e.g. theme:delivery/late) or rating:CODE (the order's CSAT "
    "answer at that touchpoint was 1-3 of 5). Default: late, contact_loop, returned.",
)
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option("--first", default=None, help="Only orders whose journey starts at this touchpoint.")
@click.option("--gap-days", type=click.IntRange(1, 365), default=30, show_default=True, help=GAP)
@click.option("--all-orders", is_flag=True, help="Include orders without a delivery promise.")
@click.option("--no-controls", is_flag=True, help="Adjust for the other drivers only.")
@click.option("--bootstrap", type=click.IntRange(0, 2000), default=200, show_default=True)
@click.option(
    "--importance", type=click.Choice(["auto", "lmg", "johnson"]), default="auto",
    show_default=True,
)  # fmt: skip
@TARGET_OPTION
@click.option("--outcome", type=click.Choice(OUTCOME_CHOICES), default=None, help=REFUSED)
def spark_drivers(directory: Path, org_id: int, master: str, as_json: bool, **kw: Any) -> None:
    """Moments of truth (key driver analysis of NPS, repeat purchase or churn) on order facts
    computed by Spark.

    The same figures as `cxm drivers`, theme drivers included (whether the customer wrote
    about a theme, from the newest theme reading of their comments).

    \b
    Example:
      cxm analytics spark drivers ./parquet --org-id 1 --driver late --driver delay_notice \\
        --driver theme:delivery/late --bootstrap 200 --json
      cxm analytics spark drivers ./parquet --org-id 1 --target churn --json
    """
    from cxm.analytics.drivers import DriverQuery, analyse
    from cxm.analytics.portable_orders import PORTABLE
    from cxm.analytics.rating_drivers import rating_faults
    from cxm.analytics.theme_drivers import theme_faults

    faults = theme_faults(tuple(kw["drivers"])) + rating_faults(tuple(kw["drivers"]))
    if faults:  # refused before Spark starts
        raise click.BadParameter("; ".join(f.reason for f in faults), param_hint="--driver")
    q = DriverQuery(
        tuple(kw["drivers"]) or BUILT_IN,
        kw["loop_contacts"],
        not kw["all_orders"],
        not kw["no_controls"],
        kw["bootstrap"],
        kw["store"],
        kw["channel"],
        day_of(kw["since"]),
        day_of(kw["until"]),
        importance=kw["importance"],
        segment=kw["segment"],
        first=kw["first"],
        gap_days=kw["gap_days"],
        target=kw["target"],
        outcome=kw["outcome"],
    )
    _check_before_spark(q)
    found = run_spark(directory, master, lambda con: analyse(con, org_id, q, PORTABLE))
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    echo_drivers(found)


@spark_group.command("quadrants")
@partial(order_options, store=False)
@click.option("--by", type=click.Choice(["stage", "store"]), default="stage", show_default=True)
@click.option(
    "--driver",
    "drivers",
    multiple=True,
    help=f"A driver (repeat): {', '.join(BUILT_IN)} or a touchpoint code. "
    "Default: late, contact_loop, returned.",
)
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option(
    "--first",
    default=None,
    help="Only orders whose journey starts at this touchpoint, and CSAT ratings of customers "
    "with a journey in the period starting there.",
)
@click.option("--gap-days", type=click.IntRange(1, 365), default=30, show_default=True, help=GAP)
@TARGET_OPTION
@click.option("--outcome", type=click.Choice(OUTCOME_CHOICES), default=None, help=REFUSED)
def spark_quadrants(directory: Path, org_id: int, master: str, as_json: bool, **kw: Any) -> None:
    """Importance x performance of the drivers, per journey stage or per store, computed by
    Spark.

    The same panels, points and cut lines as `cxm drivers quadrants`: the order facts, the
    CSAT ratings per touchpoint and the first-touchpoint filters come from Spark, the
    driver analyses are the same Python code.

    \b
    Example:
      cxm analytics spark quadrants ./parquet --org-id 1 --by store --driver late \\
        --driver store_purchase --json
    """
    from cxm.analytics.portable_orders import PORTABLE
    from cxm.analytics.quadrants import QuadrantQuery, quadrants

    q = QuadrantQuery(
        kw["by"],
        tuple(kw["drivers"]) or BUILT_IN,
        kw["loop_contacts"],
        kw["channel"],
        day_of(kw["since"]),
        day_of(kw["until"]),
        kw["segment"],
        kw["first"],
        gap_days=kw["gap_days"],
        target=kw["target"],
        outcome=kw["outcome"],
    )
    _check_before_spark(q)  # theme drivers are not drawn in quadrants
    found = run_spark(directory, master, lambda con: quadrants(con, org_id, q, PORTABLE))
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    echo_quadrants(found)


@spark_group.command("friction")
@order_options
@click.option(
    "--touchpoint",
    "touchpoints",
    multiple=True,
    help="A touchpoint code to weigh as well (repeat), e.g. cc_howto.",
)
@friction_options
def spark_friction(directory: Path, org_id: int, master: str, as_json: bool, **kw: Any) -> None:
    """Friction points of the orders (late deliveries, contact loops, returns, touchpoints)
    computed by Spark, ranked by customers affected x NPS points lost.

    The same points and evidence as `cxm friction`; its
    drop-off, effort and emotion sections are `cxm analytics spark friction-sections`.

    \b
    Example:
      cxm analytics spark friction ./parquet --org-id 1 --touchpoint delay_notice --json
    """
    from cxm.analytics.friction import order_friction
    from cxm.analytics.portable_orders import PORTABLE

    q = friction_query(kw, tuple(kw["touchpoints"]))
    found = run_spark(directory, master, lambda con: order_friction(con, org_id, q, PORTABLE))
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    if found.message:
        click.echo(found.message)
    for p in found.points:
        score = "-" if p.score is None else f"{p.score:,.0f}"
        click.echo(
            f"{score:>10}  {p.name:<16} {p.customers:>7,} customers  "
            f"NPS {_num(p.nps_effect)} [{_num(p.nps_low)}, {_num(p.nps_high)}]  "
            f"churn {_num(p.churn_with, '{:.0%}')} vs {_num(p.churn_without, '{:.0%}')}"
            + (f"  ({p.note})" if p.note else "")
        )


@spark_group.command("outcomes")
@order_options
@click.option("--event", default=None, help="Split by this: late, contact_loop, returned or a "
              "touchpoint code. Without it: by order variant.")  # fmt: skip
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option(
    "--outcome",
    type=click.Choice(["promoter", "passive", "detractor"]),
    default=None,
    help="Only customers whose latest complete NPS answer is in this group.",
)
@click.option("--first", default=None, help="Only orders whose path starts at this touchpoint.")
def spark_outcomes(directory: Path, org_id: int, master: str, as_json: bool, **kw: Any) -> None:
    """Outcome per path (NPS, repeat purchase, churn, CSAT, sentiment) by order variant or
    by an event, computed by Spark.

    The same groups and tests as `cxm journeys outcomes`.

    \b
    Example:
      cxm analytics spark outcomes ./parquet --org-id 1 --event late --json
    """
    from cxm.analytics.outcomes import OutcomeQuery, outcomes
    from cxm.analytics.portable_orders import PORTABLE

    q = OutcomeQuery(
        kw["event"],
        top=kw["top"],
        store=kw["store"],
        channel=kw["channel"],
        since=day_of(kw["since"]),
        until=day_of(kw["until"]),
        segment=kw["segment"],
        outcome=kw["outcome"],
        first=kw["first"],
    )
    found = run_spark(directory, master, lambda con: outcomes(con, org_id, q, PORTABLE))
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    if found.message:
        click.echo(found.message)
    for g in found.groups:
        click.echo(
            f"{g.orders:>8,} orders  NPS {_num(g.nps):>6} (n={g.respondents:,})  "
            f"again in 90 d {_num(g.repeat_90, '{:.0%}'):>4}  "
            f"churn {_num(g.churn, '{:.0%}'):>4}  {g.label}"
        )
    if found.nps_difference is not None:
        click.echo(
            f"Difference: NPS {found.nps_difference:+.1f} (p={found.nps_p_value:.3g}), "
            f"churn {_num(found.churn_difference, '{:+.1%}')}"
        )
