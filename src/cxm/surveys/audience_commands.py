"""`cxm surveys schedule|suppression`: recurring samples and the suppression list."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import CxmError
from cxm.surveys.distribution_commands import as_json_text, fail


@click.group("schedule")
def schedule_group() -> None:
    """Recurring relationship surveys: every period, a seeded random sample of customers.

    \b
    Examples:
      cxm surveys schedule set relationship --every quarter --sample-size 500 --seed 7
      cxm surveys schedule list --json
      cxm surveys schedule remove relationship
    """


@schedule_group.command("set")
@click.argument("survey")
@click.option("--every", type=click.Choice(["week", "month", "quarter", "year"]),
              default="quarter", show_default=True)  # fmt: skip
@click.option("--sample-size", type=int, default=500, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--fatigue-days", type=int, default=30, show_default=True)
@click.option("--cooldown-days", type=int, default=60, show_default=True)
@click.option("--remind-after-days", type=int, default=None, help="One reminder after N days.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def schedule_set(ctx: click.Context, /, survey: str, org_slug: str, **options: Any) -> None:
    """Create or replace a survey's recurring schedule.

    \b
    Example:
      cxm surveys schedule set relationship --every quarter --sample-size 500 --seed 7
    """
    from pydantic import ValidationError as PydanticError

    from cxm.surveys.schedules import ScheduleSpec, set_schedule

    db = open_store(command_settings(ctx))
    try:
        spec = ScheduleSpec(survey=survey, **options)
    except PydanticError as exc:
        raise click.BadParameter(str(exc)) from exc
    try:
        made = set_schedule(db, organization_id(db, org_slug), spec)
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{made.survey}: every {made.every}, {made.sample_size} customers, seed {made.seed}")


@schedule_group.command("list")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def schedule_list(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """List the recurring schedules.

    \b
    Example:
      cxm surveys schedule list
    """
    from cxm.surveys.schedules import list_schedules

    db = open_store(command_settings(ctx))
    found = list_schedules(db, organization_id(db, org_slug))
    if as_json:
        click.echo(as_json_text([s.model_dump() for s in found]))
        return
    for s in found:
        click.echo(f"{s.survey:<24} every {s.every:<8} {s.sample_size:>7} customers  "
                   f"seed {s.seed}  last {s.last_period or '-'}")  # fmt: skip


@schedule_group.command("remove")
@click.argument("survey")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def schedule_remove(ctx: click.Context, survey: str, org_slug: str) -> None:
    """Stop a survey's recurring runs.

    \b
    Example:
      cxm surveys schedule remove relationship
    """
    from cxm.surveys.schedules import remove_schedule

    db = open_store(command_settings(ctx))
    try:
        remove_schedule(db, organization_id(db, org_slug), survey)
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{survey}: schedule removed")


@click.group("suppression")
def suppression_group() -> None:
    """The suppression list: customers and addresses never to invite, per channel.

    \b
    Examples:
      cxm surveys suppression add --customer 42 --channel all --reason "asked by phone"
      cxm surveys suppression add --address anna@example.com
      cxm surveys suppression list --json
      cxm surveys suppression remove 7
    """


@suppression_group.command("add")
@click.option("--customer", type=int, default=None, help="A customer id.")
@click.option("--address", default=None, help="An e-mail address (or phone for sms).")
@click.option("--channel", type=click.Choice(["email", "sms", "all"]), default="email",
              show_default=True)  # fmt: skip
@click.option("--reason", default="requested", show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def suppression_add(
    ctx: click.Context, customer: int | None, address: str | None, channel: str, reason: str,
    org_slug: str,
) -> None:  # fmt: skip
    """Suppress a customer or an address on a channel.

    \b
    Example:
      cxm surveys suppression add --customer 42 --channel all
    """
    from cxm.surveys.suppression import add_suppression

    db = open_store(command_settings(ctx))
    try:
        made = add_suppression(db, organization_id(db, org_slug), channel, customer, address,
                               reason)  # fmt: skip
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{made.id}\t{made.channel}\t{made.customer_id or ''}\t{made.address or ''}")


@suppression_group.command("list")
@click.option("--channel", default=None)
@click.option("--customer", type=int, default=None)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def suppression_list(
    ctx: click.Context, channel: str | None, customer: int | None, org_slug: str, as_json: bool
) -> None:
    """List the suppression list, newest first.

    \b
    Example:
      cxm surveys suppression list --channel email
    """
    from cxm.surveys.suppression import list_suppressions

    db = open_store(command_settings(ctx))
    found = list_suppressions(db, organization_id(db, org_slug), channel, customer)
    if as_json:
        click.echo(as_json_text([asdict(e) for e in found]))
        return
    for e in found:
        click.echo(f"{e.id}\t{e.channel}\t{e.customer_id or ''}\t{e.address or ''}\t{e.reason}")


@suppression_group.command("remove")
@click.argument("entry_id", type=int)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def suppression_remove(ctx: click.Context, entry_id: int, org_slug: str) -> None:
    """Remove an entry from the suppression list.

    \b
    Example:
      cxm surveys suppression remove 7
    """
    from cxm.surveys.suppression import remove_suppression

    db = open_store(command_settings(ctx))
    try:
        remove_suppression(db, organization_id(db, org_slug), entry_id)
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{entry_id}: removed")
