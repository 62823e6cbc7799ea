"""`cxm surveys trigger|distribute|decisions`: distribution from the command line."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.db import Database
from cxm.core.errors import CxmError
from cxm.surveys.invitations import Invitee
from cxm.surveys.response_rate import BREAKDOWNS
from cxm.surveys.suppression import EMAIL


def fail(exc: CxmError) -> click.ClickException:
    lines = [exc.detail]
    for fault in exc.faults:
        where = " ".join(
            part for part in (f"question {fault.record_id}" if fault.record_id else "",
                              fault.field or "") if part
        )  # fmt: skip
        lines.append(f"  {where}: {fault.reason}" if where else f"  {fault.reason}")
    return click.ClickException("\n".join(lines))


def as_json_text(value: Any) -> str:
    def default(o: object) -> str:
        if isinstance(o, datetime):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    return json.dumps(value, ensure_ascii=False, default=default)


def read_invitees(file: Path) -> list[Invitee]:
    """Invitees from a CSV file (customer_id, email, language, order, store; any may be empty)."""
    out: list[Invitee] = []
    with file.open(newline="", encoding="utf-8-sig") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            raw = (row.get("customer_id") or "").strip()
            if raw and not raw.isdigit():
                raise click.ClickException(f"{file}:{line}: customer_id {raw!r} is not a number")
            email = (row.get("email") or "").strip() or None
            if email is not None and not EMAIL.match(email):
                raise click.ClickException(f"{file}:{line}: email {email!r} is not an address")
            if raw == "" and email is None:
                raise click.ClickException(f"{file}:{line}: give a customer_id or an email")
            out.append(Invitee(
                customer_id=int(raw) if raw else None, email=email,
                language=(row.get("language") or "").strip() or None,
                order=(row.get("order") or "").strip() or None,
                store=(row.get("store") or "").strip() or None,
            ))  # fmt: skip
    return out


def send_now(db: Database) -> tuple[int, int]:
    """Run the queued send jobs in this process; (jobs done, jobs left to retry later)."""
    from cxm.core.jobs import claim, run_claimed, worker_name
    from cxm.surveys.mailing import SEND_JOB

    done = later = 0
    name = worker_name()
    while (job := claim(db, name, (SEND_JOB,))) is not None:
        if run_claimed(db, job, name) == "done":
            done += 1
        else:
            later += 1
    return done, later


@click.group("trigger")
def trigger_group() -> None:
    """Invite customers some hours after an event at a touchpoint.

    \b
    Examples:
      cxm surveys trigger add after-delivery --survey delivery --touchpoint delivered \\
          --delay-hours 24 --sample-rate 0.5 --fatigue-days 30 --cooldown-days 90
      cxm surveys trigger list --json
      cxm surveys trigger remove after-delivery
    """


@trigger_group.command("add")
@click.argument("code")
@click.option("--survey", required=True, help="The survey's code.")
@click.option("--touchpoint", default=None, help="A touchpoint code.")
@click.option("--event", default=None, help="An event name (e.g. 'Order Delivered').")
@click.option("--delay-hours", type=float, default=24, show_default=True)
@click.option("--sample-rate", type=float, default=1.0, show_default=True, help="0 to 1.")
@click.option("--fatigue-days", type=int, default=30, show_default=True)
@click.option("--cooldown-days", type=int, default=90, show_default=True)
@click.option("--remind-after-days", type=int, default=None, help="One reminder after N days.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def trigger_add(ctx: click.Context, /, code: str, org_slug: str, **options: Any) -> None:
    """Add a trigger (it follows the events that arrive from now on).

    \b
    Example:
      cxm surveys trigger add after-call --survey contact --touchpoint call-closed --delay-hours 2
    """
    from pydantic import ValidationError as PydanticError

    from cxm.surveys.triggers import TriggerSpec, add_trigger

    db = open_store(command_settings(ctx))
    try:
        spec = TriggerSpec(code=code, **options)
    except PydanticError as exc:
        raise click.BadParameter(str(exc)) from exc
    try:
        made = add_trigger(db, organization_id(db, org_slug), spec)
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{made.code}: {made.survey} {made.delay_hours:g} h after "
               f"{made.touchpoint or made.event}, sample rate {made.sample_rate:g}")  # fmt: skip


@trigger_group.command("list")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def trigger_list(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """List the triggers.

    \b
    Example:
      cxm surveys trigger list --json
    """
    from cxm.surveys.triggers import list_triggers

    db = open_store(command_settings(ctx))
    found = list_triggers(db, organization_id(db, org_slug))
    if as_json:
        click.echo(as_json_text([t.model_dump() for t in found]))
        return
    for t in found:
        click.echo(f"{t.code:<24} {t.survey:<20} {t.touchpoint or '-':<16} {t.event or '-':<20} "
                   f"{t.delay_hours:>6g} h  rate {t.sample_rate:g}  fatigue {t.fatigue_days} d  "
                   f"cooldown {t.cooldown_days} d")  # fmt: skip


@trigger_group.command("remove")
@click.argument("code")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def trigger_remove(ctx: click.Context, code: str, org_slug: str) -> None:
    """Remove a trigger; the decisions it recorded stay.

    \b
    Example:
      cxm surveys trigger remove after-delivery
    """
    from cxm.surveys.triggers import remove_trigger

    db = open_store(command_settings(ctx))
    try:
        remove_trigger(db, organization_id(db, org_slug), code)
    except CxmError as exc:
        raise fail(exc) from exc
    click.echo(f"{code}: removed")


@click.command("distribute")
@click.option("--send", is_flag=True, help="Also send the queued e-mails now.")
@click.option("--base-url", default=None, help="Public address of the survey pages.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def distribute_command(
    ctx: click.Context, send: bool, base_url: str | None, org_slug: str, as_json: bool
) -> None:
    """Run a distribution pass now: triggers, recurring surveys, reminders.

    A worker runs the same pass every ten minutes (this command also makes sure the next one
    is queued); running it again decides nothing twice.

    \b
    Example:
      cxm surveys distribute --send --json
    """
    from cxm.surveys.distribution import restart, run_pass

    settings = command_settings(ctx)
    db = open_store(settings)
    org_id = organization_id(db, org_slug)
    done = run_pass(db, org_id, base_url or settings.public_url)
    restart(db, org_id)
    sent = send_now(db) if send else None
    if as_json:
        click.echo(as_json_text({**asdict(done), "send_jobs": sent}))
        return
    for t in done.triggers:
        click.echo(f"trigger {t.code}: {t.considered} considered, {t.queued} queued, "
                   f"{t.skipped} skipped")  # fmt: skip
    for s in done.schedules:
        click.echo(f"schedule {s.survey} {s.period}: {s.sampled} sampled, {s.queued} queued, "
                   f"{s.skipped} skipped")  # fmt: skip
    click.echo(f"reminders: {done.reminders.queued} queued, {done.reminders.skipped} skipped")


@click.command("decisions")
@click.argument("code")
@click.option("--status", type=click.Choice(["queued", "sent", "skipped", "failed"]))
@click.option("--trigger", default=None, help="Only this trigger's decisions.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def decisions_command(
    ctx: click.Context, code: str, status: str | None, trigger: str | None, limit: int,
    org_slug: str, as_json: bool,
) -> None:  # fmt: skip
    """Why each customer was or was not invited to a survey, newest first.

    \b
    Example:
      cxm surveys decisions delivery --status skipped --trigger after-delivery
    """
    from cxm.surveys.invitations import list_decisions

    db = open_store(command_settings(ctx))
    found = list_decisions(db, organization_id(db, org_slug), code, status, trigger, limit)
    if as_json:
        click.echo(as_json_text([asdict(d) for d in found]))
        return
    for d in found:
        who = d.customer_id if d.customer_id is not None else d.email
        click.echo(f"{d.created_at:%Y-%m-%d %H:%M}\t{who}\t{d.status}\t{d.reason}"
                   f"\t{d.trigger or ('recurring' if d.schedule else '')}")  # fmt: skip


@click.command("rate")
@click.option("--survey", default=None, help="One survey's code (default: all).")
@click.option("--by", type=click.Choice(["day", "week", "month", "all"]), default="month",
              show_default=True)  # fmt: skip
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option(
    "--breakdown",
    type=click.Choice(list(BREAKDOWNS)),
    default=None,
    help="Split invitations by their link's store, region, touchpoint, stage, channel or "
    "language, their customer's segment, or the trigger that sent them.",
)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def rate_command(
    ctx: click.Context, survey: str | None, by: str, start: datetime | None,
    end: datetime | None, breakdown: str | None, org_slug: str, as_json: bool,
) -> None:  # fmt: skip
    """Response rates: invitations answered of those sent, and anonymous answers per view.

    \b
    Examples:
      cxm surveys rate --survey post-purchase --by month --json
      cxm surveys rate --survey post-purchase --by all --breakdown store
    """
    from cxm.surveys.response_rate import response_rates

    db = open_store(command_settings(ctx))
    rows = response_rates(db, organization_id(db, org_slug), survey, by,  # type: ignore[arg-type]
                          start.date() if start else None, end.date() if end else None,
                          breakdown)  # type: ignore[arg-type]  # fmt: skip
    if as_json:
        click.echo(as_json_text([r.model_dump() for r in rows]))
        return

    def pct(value: float | None, low: float | None, high: float | None) -> str:
        if value is None or low is None or high is None:
            return "—"
        return f"{value:.1%} ({low:.1%}–{high:.1%})"

    for r in rows:
        key = f"{r.key:<20} " if breakdown else ""
        click.echo(f"{r.survey:<20} {r.period:<10} {key}invitations {r.answered}/{r.sent} "
                   f"{pct(r.rate, r.rate_low, r.rate_high)}  views {r.anonymous_responses}/"
                   f"{r.views} {pct(r.view_rate, r.view_rate_low, r.view_rate_high)}")  # fmt: skip


def commands() -> list[click.Command]:
    from cxm.surveys.audience_commands import schedule_group, suppression_group

    return [trigger_group, schedule_group, suppression_group, distribute_command,
            decisions_command, rate_command]  # fmt: skip
