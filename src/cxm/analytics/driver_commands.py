"""`cxm drivers`: moments of truth (key driver analysis of NPS, repeat purchase or churn) as a
table or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cxm.analytics.commands import run_analysis
from cxm.analytics.driver_targets import TARGETS
from cxm.analytics.drivers import BUILT_IN

if TYPE_CHECKING:
    from cxm.analytics.drivers import DriverResult
    from cxm.analytics.quadrants import Quadrants

OUTCOME_CHOICES = ("promoter", "passive", "detractor")
FIRST = (
    "Only orders whose journey starts at this touchpoint code (journeys cut from all events "
    "where a gap exceeds --gap-days); for funnels, effort and comments, customers with such a "
    "journey in the period."
)
OUTCOME = (
    "Only customers whose latest NPS answer is in this group (no NPS effect is measured then)."
)
GAP = "Days of inactivity that end a journey, for --first (as on the journey map)."
REFUSED = (
    "Only customers whose latest NPS answer is in this group, with --target repeat or churn; "
    "refused with --target nps: the outcome is the group of the NPS answer explained."
)
TARGET = (
    "What the drivers explain: nps (each answer +100/0/-100), repeat (the customer ordered "
    "again within 90 days) or churn (the order was the customer's last), per order with 120 "
    "days of follow-up; effects in NPS or percentage points."
)
TARGET_OPTION = click.option(
    "--target", type=click.Choice(TARGETS), default="nps", show_default=True, help=TARGET
)
EXPLAINED = {
    "nps": "NPS",
    "repeat": "repeat purchase within 90 days",
    "churn": "churn (last order)",
}
F = TypeVar("F", bound=Callable[..., Any])
METHODS = {"lmg": "exact LMG (Shapley)", "johnson": "Johnson's relative weights"}


def _shared_options(outcome_help: str) -> Callable[[F], F]:
    """The options the three commands share after their own: the period, the segment, the
    journey filters (first touchpoint, its gap, outcome), the organization and JSON."""
    options = [
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None),
        click.option("--segment", default=None, help="Only customers in this segment."),
        click.option("--first", default=None, help=FIRST),
        click.option(
            "--gap-days", type=click.IntRange(1, 365), default=30, show_default=True, help=GAP
        ),
        click.option(
            "--outcome", type=click.Choice(OUTCOME_CHOICES), default=None, help=outcome_help
        ),
        click.option("--org", "org_slug", default="demo", show_default=True),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    ]

    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


def _num(value: float | None, fmt: str = "{:+.1f}") -> str:
    return "-" if value is None else fmt.format(value)


@click.group("drivers", invoke_without_command=True)
@click.option(
    "--driver",
    "drivers",
    multiple=True,
    help=f"A driver (repeat): {', '.join(BUILT_IN)}, a touchpoint code, theme:KEY, or "
    "rating:CODE (the order's CSAT answer at that touchpoint was 1-3 of 5; only orders with "
    "every named rating are analysed). Default: late, contact_loop, returned.",
)
@click.option(
    "--theme",
    "themes",
    multiple=True,
    help="A theme of the taxonomy as a driver (repeat): the customer wrote about it, e.g. "
    "delivery/late. Added to the drivers (to the default ones when no --driver is given).",
)
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option("--all-orders", is_flag=True, help="Include orders without a delivery promise.")
@click.option("--no-controls", is_flag=True, help="Adjust for the other drivers only.")
@click.option("--bootstrap", type=click.IntRange(0, 2000), default=200, show_default=True)
@click.option(
    "--importance",
    type=click.Choice(["auto", "lmg", "johnson"]),
    default="auto",
    show_default=True,
    help="Exact LMG (up to 10 drivers), Johnson's relative weights, or auto: LMG up to 10 "
    "drivers, Johnson beyond.",
)
@click.option("--store", default=None, help="Only orders placed at this location.")
@click.option("--channel", default=None, help="Only orders placed in this channel.")
@TARGET_OPTION
@_shared_options(REFUSED)
@click.pass_context
def drivers_command(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Moments of truth: which journey events move NPS (or repeat purchase, or churn), raw and
    adjusted, with intervals.

    \b
    Examples:
      cxm drivers --driver late --driver contact_loop --driver returned --driver delay_notice
      cxm drivers --target churn --outcome detractor
      cxm drivers --driver late --driver contact_loop --bootstrap 0 --json
      cxm drivers --theme delivery/late --theme contact_centre/repeat
      cxm drivers --driver rating:store_purchase --all-orders
      cxm drivers quadrants --by store --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from cxm.analytics.drivers import DriverQuery, analyse

    themes = tuple(f"theme:{t.removeprefix('theme:')}" for t in kw["themes"])
    q = DriverQuery(
        (tuple(kw["drivers"]) or BUILT_IN) + themes,
        kw["loop_contacts"],
        not kw["all_orders"],
        not kw["no_controls"],
        kw["bootstrap"],
        kw["store"],
        kw["channel"],
        kw["since"].date() if kw["since"] else None,
        kw["until"].date() if kw["until"] else None,
        importance=kw["importance"],
        segment=kw["segment"],
        first=kw["first"],
        outcome=kw["outcome"],
        gap_days=kw["gap_days"],
        target=kw["target"],
    )
    found = run_analysis(ctx, org_slug, analyse, q)
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    echo_drivers(found)


def echo_drivers(found: Any) -> None:
    """A driver analysis as a table: effects with intervals, impact and variance share (also
    what `cxm analytics spark drivers` prints)."""
    click.echo(headline(found))
    if found.note:
        click.echo(found.note)
    if found.message:
        click.echo(found.message)
        return
    method = METHODS.get(found.importance_method or "", "-")
    click.echo(f"R² {_num(found.r_squared, '{:.3f}')}; shares of explained variance by {method}")
    w = max([16, *(len(d.name) for d in found.drivers)])
    click.echo(
        f"{'driver':<{w}} {'with':>6} {'raw':>24} {'adjusted':>24} {'impact':>7} {'share':>17}"
    )
    for d in found.drivers:
        raw = f"{_num(d.raw_effect)} [{_num(d.raw_low)}, {_num(d.raw_high)}]"
        adj = f"{_num(d.adjusted_effect)} [{_num(d.adjusted_low)}, {_num(d.adjusted_high)}]"
        share = (
            f"{_num(d.importance, '{:.0%}')} "
            f"[{_num(d.importance_low, '{:.0%}')}, {_num(d.importance_high, '{:.0%}')}]"
        )
        click.echo(
            f"{d.name:<{w}} {d.respondents_with:>6,} {raw:>24} {adj:>24} "
            f"{_num(d.impact):>7} {share:>17}" + (f"  ({d.note})" if d.note else "")
        )


@drivers_command.command("quadrants")
@click.option("--by", type=click.Choice(["stage", "store"]), default="stage", show_default=True)
@click.option(
    "--driver",
    "drivers",
    multiple=True,
    help=f"A driver (repeat): {', '.join(BUILT_IN)} or a touchpoint code.",
)
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option("--channel", default=None, help="Only orders placed in this channel.")
@TARGET_OPTION
@_shared_options(REFUSED)
@click.pass_context
def quadrants_command(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Importance x performance of the drivers, per journey stage or per store.

    \b
    Examples:
      cxm drivers quadrants
      cxm drivers quadrants --by store --driver late --driver contact_loop --json
      cxm drivers quadrants --target repeat
    """
    from cxm.analytics.quadrants import QuadrantQuery, quadrants

    q = QuadrantQuery(
        kw["by"],
        tuple(kw["drivers"]) or BUILT_IN,
        kw["loop_contacts"],
        kw["channel"],
        kw["since"].date() if kw["since"] else None,
        kw["until"].date() if kw["until"] else None,
        kw["segment"],
        kw["first"],
        kw["outcome"],
        kw["gap_days"],
        kw["target"],
    )
    found = run_analysis(ctx, org_slug, quadrants, q)
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    echo_quadrants(found)


def headline(found: DriverResult) -> str:
    """The rows analysed and the level of what is explained, with the effects' unit."""
    if found.target == "nps":
        return f"{found.respondents:,} respondents, NPS {_num(found.mean, '{:+.0f}')}"
    level = _num(found.mean, "{:.1f}%")
    return (
        f"{found.respondents:,} orders analysed, {EXPLAINED[found.target]} {level}; "
        f"effects in {found.unit}"
    )


def echo_quadrants(found: Quadrants) -> None:
    """The quadrants as a short table: the cut lines, then each panel's points."""
    if found.message:
        click.echo(found.message)
    method = METHODS.get(found.importance_method or "", "-")
    click.echo(f"Importance: shares of the explained variance of {EXPLAINED[found.target]}")
    click.echo(
        f"Importance by {method}; lines at importance {_num(found.importance_cut, '{:.0%}')} "
        f"and performance {_num(found.performance_cut, '{:.0%}')}"
    )
    for panel in found.panels:
        rows = "respondents" if found.target == "nps" else "orders"
        click.echo(f"\n{panel.key} ({panel.respondents:,} {rows})")
        if panel.message:
            click.echo(f"  {panel.message}")
        for p in panel.points:
            click.echo(
                f"  {p.driver:<16} importance {_num(p.importance, '{:.0%}'):>5}  "
                f"performance {_num(p.performance, '{:.0%}'):>5}  {p.quadrant or '-'}"
                + (f"  ({p.note})" if p.note else "")
            )


@click.command("friction")
@click.option(
    "--touchpoint",
    "touchpoints",
    multiple=True,
    help="A touchpoint code to weigh as well (repeat), e.g. cc_howto.",
)
@click.option("--loop-contacts", type=click.IntRange(2, 20), default=3, show_default=True)
@click.option(
    "--funnel",
    "funnels",
    multiple=True,
    help="A funnel to weigh for drop-off besides the ones found, steps separated by ' > ' "
    "(repeat), e.g. 'Checkout Step Viewed[step=5] > Order Completed'.",
)
@click.option(
    "--store",
    default=None,
    help="Only orders placed (and funnel attempts started) at this location.",
)
@click.option(
    "--channel",
    default=None,
    help="Only orders placed (and funnel attempts started) in this channel.",
)
@_shared_options(OUTCOME)
@click.pass_context
def friction_command(ctx: click.Context, /, org_slug: str, as_json: bool, **kw: Any) -> None:
    """Friction points ranked by customers affected x NPS points lost, with evidence;
    funnel steps with unusual drop-off ranked by attempts lost beyond a typical step;
    touchpoints with high effort (CES) ranked by customers finding them hard; and stages
    whose comments are unusually negative, ranked by customers unhappy there.

    \b
    Examples:
      cxm friction
      cxm friction --touchpoint cc_howto --store KYIV-2 --json
      cxm friction --funnel 'Checkout Step Viewed[step=5] > Order Completed'
    """
    from cxm.analytics.friction import FrictionQuery, friction

    q = FrictionQuery(
        tuple(kw["touchpoints"]),
        kw["loop_contacts"],
        kw["store"],
        kw["channel"],
        kw["since"].date() if kw["since"] else None,
        kw["until"].date() if kw["until"] else None,
        tuple(kw["funnels"]),
        kw["segment"],
        kw["first"],
        kw["outcome"],
        kw["gap_days"],
    )
    found = run_analysis(ctx, org_slug, friction, q)
    if as_json:
        click.echo(json.dumps(asdict(found)))
        return
    if found.message:
        click.echo(found.message)
    for p in found.points:
        score = "-" if p.score is None else f"{p.score:,.0f}"
        effect = f"{_num(p.nps_effect)} [{_num(p.nps_low)}, {_num(p.nps_high)}]"
        churn = (
            f"churn {p.churn_with:.0%} vs {p.churn_without:.0%}"
            if p.churn_with is not None and p.churn_without is not None
            else ""
        )
        late = f", median {p.median_days_late:.0f} d late" if p.median_days_late else ""
        click.echo(
            f"{score:>10}  {p.name:<16} {p.customers:>7,} customers  NPS {effect}  {churn}{late}"
            + (f"  ({p.note})" if p.note else "")
        )
    steps = found.drop_offs
    click.echo("\nDrop-off (attempts lost beyond a typical step)")
    if steps.message:
        click.echo(f"  {steps.message}")
    for d in steps.steps:
        score = "-" if d.score is None else f"{d.score:,.0f}"
        click.echo(
            f"{score:>10}  {d.touchpoint or 'funnel'} {d.step}: {d.dropped:,} of {d.attempts:,} "
            "attempts "
            f"({d.drop_rate:.1%} [{_num(d.drop_low, '{:.1%}')}, {_num(d.drop_high, '{:.1%}')}],"
            f" others {_num(d.peer_rate, '{:.1%}')}), {d.customers:,} customers"
            + (f"  ({d.note})" if d.note else "")
        )
    hard = found.effort
    click.echo("\nEffort (CES, customers finding it hard beyond a typical touchpoint)")
    if hard.message:
        click.echo(f"  {hard.message}")
    for e in hard.points:
        score = "-" if e.score is None else f"{e.score:,.0f}"
        click.echo(
            f"{score:>10}  {e.touchpoint:<16} CES {_num(e.mean, '{:.2f}')} "
            f"[{_num(e.low, '{:.2f}')}, {_num(e.high, '{:.2f}')}], n = {e.respondents:,}, "
            f"others {_num(e.others_mean, '{:.2f}')}; {e.customers:,} customers"
            + (f"  ({e.note})" if e.note else "")
        )
    unhappy = found.emotion
    click.echo("\nNegative emotion (customers unhappy beyond a typical stage)")
    if unhappy.message:
        click.echo(f"  {unhappy.message}")
    for m in unhappy.points:
        score = "-" if m.score is None else f"{m.score:,.0f}"
        click.echo(
            f"{score:>10}  {m.stage:<16} {m.negative:,} of {m.comments:,} comments negative "
            f"({m.negative_share:.0%}, others {_num(m.others_negative_share, '{:.0%}')}), "
            f"mostly {m.top_emotion or '-'}; {m.customers:,} customers"
            + (f"  ({m.note})" if m.note else "")
        )
