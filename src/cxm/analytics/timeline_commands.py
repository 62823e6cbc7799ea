"""`cxm customers find|timeline`: one customer's story from the command line."""

from __future__ import annotations

import json

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import CxmError


@click.group("customers")
def customers_group() -> None:
    """Find customers and read one customer's timeline across channels.

    \b
    Examples:
      cxm customers find customer14@mail.example
      cxm customers timeline 15 --json
    """


@customers_group.command("find")
@click.argument("text")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def find(ctx: click.Context, text: str, org_slug: str) -> None:
    """Customers by id or by an identity (e-mail, phone, card, anonymous or CRM id) prefix.

    \b
    Example:
      cxm customers find +38060000001
    """
    from cxm.analytics.timeline import find_customers

    db = open_store(command_settings(ctx))
    ids = find_customers(db, organization_id(db, org_slug), text)
    if not ids:
        raise click.ClickException(f"No customer matches {text!r}.")
    for cid in ids:
        click.echo(str(cid))


@customers_group.command("timeline")
@click.argument("customer_id", type=int)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def timeline(ctx: click.Context, customer_id: int, org_slug: str, as_json: bool) -> None:
    """Events, orders, deliveries, answers and comments of one customer, newest first.

    \b
    Example:
      cxm customers timeline 15
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.timeline import customer_timeline

    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        found = customer_timeline(analytics, organization_id(db, org_slug), customer_id)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        analytics.close()
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False))
        return
    click.echo(f"Customer {found.customer_id}: {found.name or '-'} ({found.segment or '-'})")
    for kind, value in found.identities:
        click.echo(f"  {kind}: {value}")
    for e in found.entries:
        where = " · ".join(x for x in (e.channel, e.stage, e.location, e.order) if x)
        extra = e.detail.get("text") or ", ".join(
            f"{k} {v}" for k, v in e.detail.items() if k not in ("event", "mapped")
        )
        click.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.kind:<9} {e.title:<28} {where}  {extra}".rstrip())
