"""`cxm report pdf`: the dashboard for a period as a PDF file."""

from __future__ import annotations

from pathlib import Path

import click

from cxm.analytics.measures import METRICS
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError


@click.group("report")
def report_group() -> None:
    """Reports to share: the dashboard as a PDF.

    \b
    Example:
      cxm report pdf --period 2026-10 --out dashboard.pdf
    """


@report_group.command("pdf")
@click.option("--period", default=None, metavar="PERIOD", help="2026-10, 2026-Q3 or 2026.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["uk", "en"]), default="uk", show_default=True)
@click.option("--channel", default=None, help="Only this channel's answers and orders.")
@click.option("--metric", type=click.Choice(METRICS), default="nps", show_default=True,
              help="The KPI of the trends and the league table.")  # fmt: skip
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def report_pdf(ctx: click.Context, period: str | None, out: Path, language: str,
               channel: str | None, metric: str, org_slug: str) -> None:  # fmt: skip
    """The dashboard for a period as a PDF: KPI cards, trend charts, heatmap, league table.

    \b
    Example:
      cxm report pdf --period 2026-10 --language en --out october.pdf
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.measures import KpiFilter
    from cxm.reports.pdf import dashboard_pdf

    settings = command_settings(ctx)
    db = open_store(settings)
    analytics = Analytics(db, settings)
    try:
        body = dashboard_pdf(
            analytics, organization_id(db, org_slug), period, language,
            KpiFilter(channel=channel), metric,
        )  # fmt: skip
    except ValidationError as exc:
        faults = "; ".join(f"{f.field}: {f.reason}" for f in exc.faults)
        raise click.BadParameter(faults or str(exc)) from exc
    finally:
        analytics.close()
    out.write_bytes(body)
    click.echo(f"Dashboard report written to {out} ({len(body):,} bytes).", err=True)
