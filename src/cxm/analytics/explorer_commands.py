"""`cxm responses list|export`: the response explorer's filters from the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cxm.analytics.explorer import NPS_GROUPS, SCORE_KINDS, ResponsePage, ResponseQuery
from cxm.analytics.punctuality import GROUPS
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError


@click.group("responses")
def responses_group() -> None:
    """Survey responses by filter and full text; CSV and Excel exports.

    \b
    Examples:
      cxm responses list --period 2026-10 --nps-group detractor --text "курʼєр"
      cxm responses export --format xlsx --stage delivery --out delivery.xlsx
    """


def _filters(func: Callable[..., Any]) -> Callable[..., Any]:
    options = (
        ("--period", "2026-10, 2026-Q3 or 2026 (organization time)."),
        ("--survey", "Survey code (several: comma-separated)."),
        ("--channel", "Channel of the response (web, store, ...)."),
        ("--stage", "Journey stage of its touchpoint."),
        ("--touchpoint", "Touchpoint code."),
        ("--store", "Location code."),
        ("--region", "Region of the location."),
        ("--language", "Language answered in (uk, ru, en)."),
        ("--text", "Words that must all occur in the open answers."),
        ("--segment", "The respondent's customer segment."),
        ("--first", "Respondents with a journey in the period starting at this touchpoint."),
    )
    for flag, help_text in reversed(options):
        func = click.option(flag, default=None, help=help_text)(func)
    func = click.option("--nps-group", type=click.Choice(NPS_GROUPS), default=None)(func)
    func = click.option(
        "--outcome", type=click.Choice(NPS_GROUPS), default=None,
        help="Respondents whose latest NPS answer is in this group.",
    )(func)  # fmt: skip
    func = click.option(
        "--kpi", type=click.Choice(SCORE_KINDS), default="nps", show_default=True,
        help="The answer --score-min/--score-max apply to.",
    )(func)  # fmt: skip
    func = click.option("--score-min", type=float, default=None)(func)
    func = click.option("--score-max", type=float, default=None)(func)
    func = click.option("--customer", type=int, default=None, help="Customer id.")(func)
    func = click.option(
        "--gap-days", type=click.IntRange(1, 365), default=30, show_default=True,
        help="Days of inactivity that end a journey, for --first.",
    )(func)  # fmt: skip
    func = click.option(
        "--delivery", type=click.Choice(GROUPS), default=None,
        help="Punctuality of the response's order.",
    )(func)  # fmt: skip
    func = click.option("--org", "org_slug", default="demo", show_default=True)(func)
    return func


def _find(ctx: click.Context, limit: int | None, offset: int, kw: dict[str, Any]) -> ResponsePage:
    from cxm.analytics.backend import Analytics
    from cxm.analytics.explorer import find_responses

    org_slug = kw.pop("org_slug")
    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        return find_responses(
            analytics, organization_id(db, org_slug), ResponseQuery(**kw), offset, limit
        )
    except ValidationError as exc:
        faults = "; ".join(f"{f.field}: {f.reason}" for f in exc.faults)
        raise click.BadParameter(faults or str(exc)) from exc
    finally:
        analytics.close()


@responses_group.command("list")
@_filters
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True, help="Print the responses as JSON.")
@click.pass_context
def list_responses(ctx: click.Context, /, limit: int, offset: int, as_json: bool,
                   **kw: Any) -> None:  # fmt: skip
    """The newest responses matching the filters, with their answers.

    \b
    Example:
      cxm responses list --period 2026-10 --stage delivery --nps-group detractor
    """
    page = _find(ctx, limit, offset, kw)
    if as_json:
        click.echo(json.dumps({"total": page.total, "responses": [r.as_dict() for r in page.rows]}))
        return
    click.echo(f"{page.total:,} responses match.")
    for r in page.rows:
        nps = "" if r.nps is None else f"  NPS {r.nps:.0f}"
        click.echo(f"#{r.id} {r.completed_at:%Y-%m-%d %H:%M} {r.survey} {r.channel or ''}"
                   f" {r.stage or ''}{nps}  customer {r.customer_id or '-'}")  # fmt: skip
        for a in r.answers:
            shown = a.text if a.text is not None else ("-" if a.value is None else f"{a.value:g}")
            click.echo(f"    {a.question}: {shown}")


@responses_group.command("export")
@_filters
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output for CSV).")  # fmt: skip
@click.pass_context
def export_responses(ctx: click.Context, /, fmt: str, out: Path | None, **kw: Any) -> None:
    """Every response matching the filters as CSV or Excel, one row per response.

    Cells a spreadsheet would run as a formula (=, +, -, @) are prefixed with an apostrophe.

    \b
    Example:
      cxm responses export --format xlsx --period 2026-Q3 --out q3.xlsx
    """
    from cxm.analytics.explorer_export import export

    if fmt == "xlsx" and out is None:
        raise click.BadParameter("an Excel file needs --out FILE", param_hint="--out")
    page = _find(ctx, None, 0, kw)
    body = export(page.rows, fmt)
    if out is None:
        sys.stdout.buffer.write(body)
        return
    out.write_bytes(body)
    click.echo(f"{len(page.rows):,} responses written to {out}.", err=True)
