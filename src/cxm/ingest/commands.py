"""`cxm import events|orders|customers FILE`: bulk import with a rejects file and a summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from cxm.core.db import Database
from cxm.core.errors import CxmError
from cxm.core.models import Organization
from cxm.core.schema import upgrade
from cxm.core.settings import get_settings
from cxm.ingest.event_import import store_events, validate_events
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
    handler: Callable[[Database, int, Any, int, RejectWriter], tuple[int, int]],
) -> None:
    parent = ctx.find_root().obj or {}
    overrides = {k: v for k, v in parent.items() if v is not None}
    settings = get_settings().model_copy(update=overrides) if overrides else get_settings()
    db = Database(settings.resolved_database_url)
    upgrade(db.engine)
    with db.session() as s:
        org_id = s.scalar(select(Organization.id).where(Organization.slug == org_slug))
    if org_id is None:
        raise click.ClickException(f"No organization '{org_slug}'.")
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
            summary = run_import(
                kind,
                file,
                fmt,
                parse_mapping(mapping),
                target,
                lambda frame, offset, out: handler(db, int(org_id), frame, offset, out),
                progress=lambda n: progress.update(task, completed=n),
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
    """Import events, orders or customers from CSV, JSON Lines, Parquet or XES files."""


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

    def handler(
        db: Database, org_id: int, frame: Any, offset: int, out: RejectWriter
    ) -> tuple[int, int]:
        return store_events(db, org_id, validate_events(frame, offset, out))

    _run(ctx, "events", file, fmt, mapping, rejects, org_slug, as_json, handler)


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
