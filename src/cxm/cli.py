"""The `cxm` command: demo, serve, migrate, sync, import, users and API keys."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cxm.core.commands import command_settings, open_store
from cxm.core.settings import Settings

err = Console(stderr=True)
DEMO_ADMIN_EMAIL = "admin@demo.cxm.example"
DEMO_ADMIN_PASSWORD = "demo-admin"  # noqa: S105 - the demo's documented login


def _settings(ctx: click.Context) -> Settings:
    return command_settings(ctx)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data directory (env CXM_DATA_DIR; default ./cxm-data).",
)
@click.option(
    "--database-url", default=None, help="SQLAlchemy URL of the store (env CXM_DATABASE_URL)."
)
@click.version_option(package_name="cxm")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """cxm: customer experience management.

    \b
    Examples:
      cxm demo                 # build the demo retailer and open the web UI
      cxm serve --port 8080    # serve the web UI and API
      cxm apikey create shop   # a key for POST /api/v1/batch
    """
    ctx.ensure_object(dict)
    ctx.obj.update({"data_dir": data_dir, "database_url": database_url})


def _database(settings: Settings) -> Any:
    return open_store(settings)


def _progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    progress = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed:>10,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)

    return progress, report


@main.command()
@click.option(
    "--size",
    type=click.Choice(["small", "medium", "large"]),
    default="medium",
    show_default=True,
    help="small ≈ 2k customers, medium ≈ 20k, large ≈ 200k.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the data and exit.")
@click.option("--host", default=None, help="Interface to serve on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to serve on (default 8000).")
@click.pass_context
def demo(
    ctx: click.Context, size: str, seed: int, no_serve: bool, host: str | None, port: int | None
) -> None:
    """Build the demo retailer into the store, sync analytics and serve the web UI.

    \b
    Examples:
      cxm demo
      cxm demo --size small --no-serve
      cxm --data-dir /tmp/cxm demo --seed 3 --port 8080
    """
    from sqlalchemy import select

    from cxm.analytics.backend import Analytics
    from cxm.core.auth import create_user, get_or_create_organization
    from cxm.core.models import User
    from cxm.demo.world import generate
    from cxm.ingest.models import Event

    settings = _settings(ctx)
    db = _database(settings)
    with db.session() as s:
        org = get_or_create_organization(s, "demo", "Demo Retail")
        has_data = s.scalar(select(Event.id).where(Event.organization_id == org.id).limit(1))
    if has_data is None:
        progress, report = _progress()
        with progress:
            summary = generate(db, size, seed, report)  # type: ignore[arg-type]
            _read_feedback(db, org.id, settings, report)
        err.print(
            f"Demo world: {summary.customers:,} customers, {summary.events:,} events, "
            f"{summary.orders:,} orders."
        )
    else:
        err.print(
            f"Demo data is already in the store; reusing it ({settings.resolved_database_url})."
        )
    with db.session() as s:
        if s.scalar(select(User.id).where(User.email == DEMO_ADMIN_EMAIL)) is None:
            create_user(
                s, org.id, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, name="Demo admin", language="uk"
            )
    analytics = Analytics(db, settings)
    report_ = analytics.refresh()
    analytics.close()
    err.print(f"Analytics store synced ({report_.total:,} rows).")
    if no_serve:
        return
    _serve(settings, db, host, port, demo_login=True)


def _serve(
    settings: Settings,
    db: Any,
    host: str | None,
    port: int | None,
    workers: int = 1,
    demo_login: bool = False,
) -> None:
    import os

    import uvicorn

    from cxm.web.app import create_app

    host = host or settings.host
    port = port or settings.port
    err.print(f"\n  cxm is running at [bold]http://{host}:{port}/[/bold]")
    if demo_login:
        err.print(f"  demo login: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}\n")
    if workers > 1:
        # Worker processes build their own app from the environment: pass the settings on.
        os.environ["CXM_DATA_DIR"] = str(settings.data_dir)
        os.environ["CXM_DATABASE_URL"] = settings.resolved_database_url
        os.environ["CXM_ANALYTICS_SHARED"] = "1"  # one DuckDB file, several processes
        uvicorn.run(
            "cxm.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            # A worker imports and builds the whole app before it answers the supervisor's
            # health check; on a busy machine that takes longer than uvicorn's 5 s default,
            # which would kill and restart workers in a loop.
            timeout_worker_healthcheck=60,
        )
        return
    uvicorn.run(create_app(settings, db), host=host, port=port, log_level="warning")


def _read_feedback(
    db: Any, org_id: int, settings: Settings, report: Callable[[str, int, int], None]
) -> None:
    """Language, sentiment and emotions of the demo's feedback, read once when it is built."""
    from cxm.text.enrichment import backlog, enrich_pending, load_model, model_path

    model = load_model(model_path(settings.data_dir, org_id))
    total = backlog(db, org_id, model)
    report("Reading feedback", 0, total)
    enrich_pending(db, org_id, model, progress=lambda n: report("Reading feedback", n, total))
    from cxm.text.theme_store import read_pending_themes, theme_backlog

    themes = theme_backlog(db, org_id)
    read_pending_themes(db, org_id, progress=lambda n: report("Reading themes", n, themes))


@main.command()
@click.option("--host", default=None, help="Interface (default 127.0.0.1, env CXM_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 8000, env CXM_PORT).")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes; more than one spreads request parsing over cores.",
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int) -> None:
    """Serve the web UI and the JSON API.

    \b
    Examples:
      cxm serve --host 127.0.0.1 --port 8000
      cxm serve --workers 2
    """
    settings = _settings(ctx)
    _serve(settings, _database(settings), host, port, workers)


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the store's schema up to date (safe to run again).

    \b
    Example:
      CXM_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/cxm cxm migrate
    """
    settings = _settings(ctx)
    _database(settings)
    err.print(f"Schema is up to date: {settings.resolved_database_url}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def sync(ctx: click.Context, as_json: bool) -> None:
    """Copy what is new in the store into the analytics store.

    \b
    Example:
      cxm sync --json
    """
    from cxm.analytics.backend import Analytics

    settings = _settings(ctx)
    analytics = Analytics(_database(settings), settings)
    report = analytics.refresh()
    analytics.close()
    if as_json:
        click.echo(json.dumps({"rows": report.rows, "deleted": report.deleted}))
    else:
        for table, n in report.rows.items():
            click.echo(f"{table:<18}{n:>12,}")
        click.echo(f"{'deleted':<18}{report.deleted:>12,}")


def _register_parts() -> None:
    import cxm.analytics.dashboard_commands  # noqa: F401 - adds heatmap and weekly to `cxm kpi`
    import cxm.analytics.sales_commands  # noqa: F401 - adds the sales KPIs to `cxm kpi`
    from cxm.analytics.commands import journeys_group
    from cxm.analytics.driver_commands import drivers_command, friction_command
    from cxm.analytics.engine_commands import analytics_group
    from cxm.analytics.explorer_commands import responses_group
    from cxm.analytics.kpi_commands import kpi_group
    from cxm.analytics.timeline_commands import customers_group
    from cxm.core.access_commands import apikey_group, user_group
    from cxm.core.job_commands import jobs_group, worker_command
    from cxm.ingest.commands import import_group, touchpoints_group
    from cxm.reports.commands import report_group
    from cxm.surveys.commands import surveys_group
    from cxm.text.commands import text_group

    main.add_command(user_group, "user")
    main.add_command(apikey_group, "apikey")
    main.add_command(kpi_group, "kpi")
    main.add_command(journeys_group, "journeys")
    main.add_command(drivers_command, "drivers")
    main.add_command(friction_command, "friction")
    main.add_command(import_group, "import")
    main.add_command(touchpoints_group, "touchpoints")
    main.add_command(worker_command, "worker")
    main.add_command(jobs_group, "jobs")
    main.add_command(analytics_group, "analytics")
    main.add_command(customers_group, "customers")
    main.add_command(text_group, "text")
    main.add_command(surveys_group, "surveys")
    main.add_command(responses_group, "responses")
    main.add_command(report_group, "report")


_register_parts()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
