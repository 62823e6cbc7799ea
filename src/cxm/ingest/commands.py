"""`cxm import events|orders|customers FILE`: bulk import with a rejects file and a summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError as PydanticError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.db import Database
from cxm.core.errors import CxmError
from cxm.ingest.catalogue import (
    RuleIn,
    TouchpointIn,
    create_rule,
    create_touchpoint,
    list_touchpoints,
    remap_unmapped,
)
from cxm.ingest.event_import import import_events as import_event_file
from cxm.ingest.imports import ImportSummary, RejectWriter, parse_mapping, run_import
from cxm.ingest.orders_import import store_customers, store_orders

err = Console(stderr=True)


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.argument("file", type=click.Path(path_type=Path))(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(["csv", "jsonl", "parquet", "xes"]),
        default=None,
        help="Default: from the file's extension.",
    )(func)
    func = click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="TARGET=SOURCE",
        help="Read column SOURCE as TARGET (repeatable).",
    )(func)
    func = click.option(
        "--rejects",
        type=click.Path(path_type=Path),
        default=None,
        help="Where rejected rows go (default: FILE.rejects.csv).",
    )(func)
    func = click.option("--org", "org_slug", default="demo", show_default=True)(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")(func)
    return func


def _run(
    ctx: click.Context,
    kind: str,
    file: Path,
    fmt: str | None,
    mapping: tuple[str, ...],
    rejects: Path | None,
    org_slug: str,
    as_json: bool,
    handler: Callable[[Database, int, Any, int, RejectWriter], tuple[int, int]] | None,
) -> None:
    """Run an import; ``handler`` stores one chunk (None: events, by ``import_events``)."""
    db = open_store(command_settings(ctx))
    org_id = organization_id(db, org_slug)
    target = rejects or file.with_name(file.name + ".rejects.csv")
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err,
        disable=as_json,
    )
    try:
        with progress:
            task = progress.add_task(f"Importing {kind}", total=None)
            summary = (
                import_event_file(
                    db,
                    int(org_id),
                    file,
                    fmt,
                    parse_mapping(mapping),
                    target,
                    progress=lambda n: progress.update(task, completed=n),
                )
                if handler is None
                else run_import(
                    kind,
                    file,
                    fmt,
                    parse_mapping(mapping),
                    target,
                    lambda frame, offset, out: handler(db, int(org_id), frame, offset, out),
                    progress=lambda n: progress.update(task, completed=n),
                )
            )
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.dispose()
    _report(summary, as_json)


def _report(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
        return
    click.echo(
        f"{summary.read:,} rows read: {summary.stored:,} stored, "
        f"{summary.duplicates:,} already there, {summary.rejected:,} rejected."
    )
    if summary.rejects_file:
        click.echo(f"Rejected rows, with row number, field and reason: {summary.rejects_file}")
    if summary.read and summary.stored == 0 and summary.duplicates == summary.read:
        click.echo("Nothing new: this file was imported before.")


@click.group("import")
def import_group() -> None:
    """Import events, orders or customers from CSV, JSON Lines, Parquet or XES files.

    \b
    Example:
      cxm import events events.parquet
    """


@import_group.command("events")
@_options
@click.pass_context
def import_events(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: tuple[str, ...],
    rejects: Path | None,
    org_slug: str,
    as_json: bool,
) -> None:
    """Import events: columns event, timestamp and an identity (user_id, email, ...).

    Optional columns: message_id (else derived from the row, so re-runs store nothing
    new), type, channel, location, order_id; any other column becomes a property.

    \b
    Examples:
      cxm import events clicks.parquet
      cxm import events log.csv --map user_id=client_no --map timestamp=ts
      cxm import events BPI2012.xes --json
    """
    _run(ctx, "events", file, fmt, mapping, rejects, org_slug, as_json, None)


@import_group.command("orders")
@_options
@click.pass_context
def import_orders(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: tuple[str, ...],
    rejects: Path | None,
    org_slug: str,
    as_json: bool,
) -> None:
    """Import orders: order_id, channel, amount, placed_at and an identity.

    Optional: location, currency, promised_delivery_date, status, name, language.

    \b
    Example:
      cxm import orders orders.csv --map order_id=number --map placed_at=created
    """
    _run(ctx, "orders", file, fmt, mapping, rejects, org_slug, as_json, store_orders)


@import_group.command("feedback")
@_options
@click.pass_context
def import_feedback(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: tuple[str, ...],
    rejects: Path | None,
    org_slug: str,
    as_json: bool,
) -> None:
    """Import feedback: kind, text, occurred_at; optionally id, channel, touchpoint, location,
    order_id, category, language, rating (a review's stars, 1-5) and the customer's
    identities (user_id, email, ...).

    Kinds: complaint, contact_centre_note, chat, social_post, employee_comment, comment,
    survey_comment (survey answers' comments are copied as these), review.

    \b
    Example:
      cxm import feedback complaints.csv --map text=body --map occurred_at=created
      cxm import feedback reviews.csv --map rating=stars
    """
    from cxm.feedback.imports import store_feedback

    _run(ctx, "feedback", file, fmt, mapping, rejects, org_slug, as_json, store_feedback)


@import_group.command("customers")
@_options
@click.pass_context
def import_customers(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: tuple[str, ...],
    rejects: Path | None,
    org_slug: str,
    as_json: bool,
) -> None:
    """Import customers: identities on one row (user_id, email, phone, ...) become one customer.

    Optional: name, language.

    \b
    Example:
      cxm import customers crm.csv --map crm_id=id --map email=mail
    """
    _run(ctx, "customers", file, fmt, mapping, rejects, org_slug, as_json, store_customers)


@click.group("touchpoints")
def touchpoints_group() -> None:
    """The touchpoint catalogue and the rules that map events to touchpoints.

    \b
    Example:
      cxm touchpoints list
    """


def _db(ctx: click.Context) -> tuple[Database, int]:
    db = open_store(command_settings(ctx))
    return db, organization_id(db, ctx.params.get("org_slug", "demo"))


@touchpoints_group.command("list")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@click.pass_context
def touchpoints_list(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """List touchpoints by stage with their rules.

    \b
    Example:
      cxm touchpoints list --json
    """
    db, org_id = _db(ctx)
    items = list_touchpoints(db, org_id)
    if as_json:
        click.echo(json.dumps([t.model_dump() for t in items], ensure_ascii=False))
        return
    for t in items:
        rules = (
            "; ".join(
                " & ".join(
                    f"{k}={v}"
                    for k, v in r.model_dump().items()
                    if v is not None and k not in ("id", "priority")
                )
                for r in t.rules
            )
            or "no rules"
        )
        click.echo(f"{t.stage:<13} {t.channel:<15} {t.code:<20} {t.name}  [{rules}]")


@touchpoints_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--channel", required=True, help="store, web, app, contact_centre, ...")
@click.option("--stage", required=True, help="pre_purchase, purchase, delivery, use, after_sales")
@click.option("--location", default=None, help="Location code, for a touchpoint at one place.")
@click.option("--event", default=None, help="Also map events with this name here.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def touchpoints_add(
    ctx: click.Context,
    code: str,
    name: str,
    channel: str,
    stage: str,
    location: str | None,
    event: str | None,
    org_slug: str,
) -> None:
    """Add a touchpoint, optionally with a rule for one event name.

    \b
    Example:
      cxm touchpoints add cc_billing "Billing call" --channel contact_centre --stage use \\
          --event "Billing Call"
    """
    db, org_id = _db(ctx)
    try:
        spec = TouchpointIn(
            code=code,
            name=name,
            channel=channel,
            stage=stage,
            location=location,
            event=event,
        )
        create_touchpoint(db, org_id, spec)
    except (CxmError, PydanticError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Touchpoint {code} added. Run `cxm touchpoints remap` for past events.")


@touchpoints_group.command("rule")
@click.argument("touchpoint")
@click.option("--event", default=None, help="Event name to match.")
@click.option("--channel", default=None, help="Channel to match.")
@click.option("--location", default=None, help="Location code to match.")
@click.option(
    "--property",
    "prop",
    default=None,
    metavar="KEY[=VALUE]",
    help="A property that must be present (with this value).",
)
@click.option("--priority", type=int, default=100, show_default=True, help="Lower wins.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def touchpoints_rule(
    ctx: click.Context,
    touchpoint: str,
    event: str | None,
    channel: str | None,
    location: str | None,
    prop: str | None,
    priority: int,
    org_slug: str,
) -> None:
    """Add a rule mapping matching events to TOUCHPOINT (a code).

    \b
    Example:
      cxm touchpoints rule cc_billing --event "Contact Centre Call" --property topic=billing
    """
    db, org_id = _db(ctx)
    key, _, value = (prop or "").partition("=")
    try:
        spec = RuleIn(
            touchpoint=touchpoint,
            event=event,
            channel=channel,
            location=location,
            property_key=key or None,
            property_value=value or None,
            priority=priority,
        )
        create_rule(db, org_id, spec)
    except (CxmError, PydanticError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Rule added to {touchpoint}. Run `cxm touchpoints remap` for past events.")


@touchpoints_group.command("remap")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def touchpoints_remap(ctx: click.Context, org_slug: str) -> None:
    """Apply the current rules to events no rule matched so far.

    \b
    Example:
      cxm touchpoints remap
    """
    db, org_id = _db(ctx)
    click.echo(f"{remap_unmapped(db, org_id):,} events now map to a touchpoint.")
