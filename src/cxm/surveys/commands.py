"""`cxm surveys list|import|export|link|qr|invite`: surveys from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import CxmError
from cxm.surveys.distribution_commands import commands, fail


@click.group("surveys")
def surveys_group() -> None:
    """Survey definitions: import and export JSON (cxm or SurveyJS), personal links.

    \b
    Examples:
      cxm surveys import after-delivery.json
      cxm surveys export post-purchase > post-purchase.json
      cxm surveys link post-purchase --customer 42 --order A-1001
    """


_fail = fail
for _command in commands():
    surveys_group.add_command(_command)


@surveys_group.command("list")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_command(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """List surveys with their newest version and number of responses.

    \b
    Example:
      cxm surveys list --json
    """
    from cxm.surveys.service import list_surveys

    db = open_store(command_settings(ctx))
    found = list_surveys(db, organization_id(db, org_slug))
    if as_json:
        click.echo(json.dumps([s.model_dump() for s in found], ensure_ascii=False))
        return
    for s in found:
        click.echo(
            f"{s.code:<24} v{s.version:<3} {s.status:<6} {s.responses:>8} responses  {s.name}"
        )


@surveys_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", default=None, help="The survey's code (for a bare or SurveyJS file).")
@click.option("--name", default=None, help="The survey's name (for a bare or SurveyJS file).")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def import_command(
    ctx: click.Context, file: Path, code: str | None, name: str | None, org_slug: str
) -> None:
    """Import a survey from JSON: a cxm document, or a cxm or SurveyJS definition.

    Importing a changed definition of an existing survey adds a version; responses keep the
    version they answered. A bad definition is refused with the path and question of each fault.

    \b
    Example:
      cxm surveys import surveyjs.json --code after-delivery --name "After delivery"
    """
    from cxm.surveys.service import import_survey

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file} is not valid JSON: {exc}") from exc
    db = open_store(command_settings(ctx))
    try:
        s = import_survey(db, organization_id(db, org_slug), raw, code, name)
    except CxmError as exc:
        raise _fail(exc) from exc
    state = "new version" if s.changed else "unchanged"
    click.echo(f"{s.code}: version {s.version} ({state}), {s.responses} responses.")


@surveys_group.command("export")
@click.argument("code")
@click.option("--version", type=int, default=None, help="A version number (default: newest).")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def export_command(ctx: click.Context, code: str, version: int | None, org_slug: str) -> None:
    """Print a survey as JSON (the same document `cxm surveys import` reads).

    \b
    Example:
      cxm surveys export post-purchase --version 1 > v1.json
    """
    from cxm.surveys.service import export_survey

    db = open_store(command_settings(ctx))
    try:
        doc = export_survey(db, organization_id(db, org_slug), code, version)
    except CxmError as exc:
        raise _fail(exc) from exc
    click.echo(json.dumps(doc.model_dump(), ensure_ascii=False, indent=2))


@surveys_group.command("link")
@click.argument("code")
@click.option("--customer", "customers", type=int, multiple=True, help="Customer id (repeat).")
@click.option("--order", default=None, help="The order's external id.")
@click.option("--store", default=None, help="A location code.")
@click.option("--touchpoint", default=None, help="A touchpoint code.")
@click.option("--event", default=None, help="The triggering event's message id.")
@click.option("--channel", default=None)
@click.option("--language", default=None, help="uk, ru or en.")
@click.option("--days", type=int, default=30, show_default=True, help="Days until it expires.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def link_command(
    ctx: click.Context,
    code: str,
    customers: tuple[int, ...],
    order: str | None,
    store: str | None,
    touchpoint: str | None,
    event: str | None,
    channel: str | None,
    language: str | None,
    days: int,
    base_url: str,
    org_slug: str,
) -> None:
    """Print personal survey links (signed, single use, expiring), one per customer.

    Without --customer, prints one link not tied to a customer.

    \b
    Example:
      cxm surveys link post-purchase --customer 42 --customer 43 --language uk
    """
    from cxm.surveys.links import LinkRequest, create_links

    settings = command_settings(ctx)
    db = open_store(settings)
    org_id = organization_id(db, org_slug)
    requests = [
        LinkRequest(customer_id=c, order=order, store=store, touchpoint=touchpoint, event=event,
                    channel=channel, language=language)
        for c in (customers or (None,))
    ]  # fmt: skip
    try:
        made = create_links(db, org_id, code, requests, settings.secret_key, days)
    except CxmError as exc:
        raise _fail(exc) from exc
    for customer, (_, token) in zip(customers or (None,), made, strict=True):
        prefix = f"{customer}\t" if customer is not None else ""
        click.echo(f"{prefix}{base_url.rstrip('/')}/t/{token}")


@surveys_group.command("qr")
@click.argument("code")
@click.option("--store", default=None, help="The store's location code, carried into answers.")
@click.option("--format", "kind", type=click.Choice(["svg", "png"]), default="svg")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def qr_command(
    ctx: click.Context,
    code: str,
    store: str | None,
    kind: str,
    out: Path,
    base_url: str,
    org_slug: str,
) -> None:
    """Write a QR code for a store's counter: the survey's anonymous link with the store.

    \b
    Example:
      cxm surveys qr post-purchase --store kyiv-1 --format png --out kyiv-1.png
    """
    from cxm.surveys.qr import counter_url, qr_image
    from cxm.surveys.service import live_version

    db = open_store(command_settings(ctx))
    try:
        live_version(db, organization_id(db, org_slug), code)
    except CxmError as exc:
        raise _fail(exc) from exc
    url = counter_url(base_url, org_slug, code, store)
    out.write_bytes(qr_image(url, "png" if kind == "png" else "svg"))
    click.echo(f"{out}: {url}")


@surveys_group.command("invite")
@click.argument("code")
@click.option("--customer", "customers", type=int, multiple=True, help="Customer id (repeat).")
@click.option("--email", "emails", multiple=True, help="An address without a customer (repeat).")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV list of invitees: columns customer_id, email, language, order, store.",
)
@click.option(
    "--fatigue-days",
    type=int,
    default=30,
    show_default=True,
    help="At most one invitation per customer per this many days, any survey.",
)
@click.option(
    "--cooldown-days",
    type=int,
    default=90,
    show_default=True,
    help="At most one invitation to this survey per this many days.",
)
@click.option("--remind-after-days", type=int, default=None, help="One reminder after N days.")
@click.option("--send", is_flag=True, help="Send the queued e-mails now instead of by a worker.")
@click.option("--base-url", default=None, help="Public address of the survey pages.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def invite_command(
    ctx: click.Context,
    code: str,
    customers: tuple[int, ...],
    emails: tuple[str, ...],
    file: Path | None,
    fatigue_days: int,
    cooldown_days: int,
    remind_after_days: int | None,
    send: bool,
    base_url: str | None,
    org_slug: str,
    as_json: bool,
) -> None:
    """E-mail invitations with personal and unsubscribe links, sent by the job queue.

    Customers' addresses and languages come from their identities. Each invitee is queued
    or skipped (suppressed, fatigue, cooldown, no address), and the reason is recorded and
    printed. A worker (`cxm serve`, `cxm worker`) sends the queued e-mails through
    CXM_SMTP_HOST/PORT, retrying when the server fails; --send sends them at once.

    \b
    Examples:
      CXM_SMTP_HOST=mail.example.com cxm surveys invite post-purchase --customer 42 --send
      cxm surveys invite post-purchase --file invitees.csv --remind-after-days 5
    """
    from cxm.surveys.distribution_commands import read_invitees, send_now
    from cxm.surveys.invitations import Invitee, Origin, Rules, invite

    settings = command_settings(ctx)
    db = open_store(settings)
    org_id = organization_id(db, org_slug)
    invitees = [Invitee(customer_id=c) for c in customers] + [Invitee(email=e) for e in emails]
    if file is not None:
        invitees += read_invitees(file)
    if not invitees:
        raise click.UsageError("Name at least one --customer, --email or --file.")
    try:
        made = invite(db, org_id, code, invitees, base_url or settings.public_url,
                      Rules(fatigue_days, cooldown_days), None,
                      Origin(remind_after_days=remind_after_days))  # fmt: skip
    except CxmError as exc:
        raise _fail(exc) from exc
    if send:
        send_now(db)
    if as_json:
        click.echo(json.dumps([d.__dict__ for d in made], ensure_ascii=False))
        return
    for d in made:
        who = d.customer_id if d.customer_id is not None else d.email
        click.echo(f"{who}\t{d.status}\t{d.reason}")
