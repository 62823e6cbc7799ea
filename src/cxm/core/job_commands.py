"""`cxm worker` and `cxm jobs`: run the background job queue and look into it."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from cxm.core.commands import command_settings, open_store
from cxm.core.db import table
from cxm.core.errors import CxmError
from cxm.core.jobs import STATUSES, Job, prune, queue_counts, retry, run_ready
from cxm.core.worker import Worker, load_handlers, retention_of

err = Console(stderr=True)


@click.command("worker")
@click.option("--threads", type=int, default=2, show_default=True, help="Jobs run at once.")
@click.option("--poll", type=float, default=1.0, show_default=True, help="Seconds between looks.")
@click.option("--once", is_flag=True, help="Run every ready job, then exit.")
@click.pass_context
def worker_command(ctx: click.Context, threads: int, poll: float, once: bool) -> None:
    """Run background jobs (text enrichment, e-mail, analyses) apart from the web server.

    `cxm serve` already runs a worker inside the web process for the embedded default;
    run this for larger deployments (several can share one PostgreSQL store).

    \b
    Examples:
      cxm worker --threads 4
      cxm worker --once        # drain the queue and exit (cron, CI)

    Finished jobs older than the job_retention_days setting are pruned: by a running worker
    when it starts and every hour, with --once after the run.
    """
    if threads < 1:
        raise click.BadParameter("must be at least 1", param_hint="--threads")
    settings = command_settings(ctx)
    db = open_store(settings)
    retention = retention_of(settings.job_retention_days)
    if once:
        load_handlers()
        ran = run_ready(db)
        pruned = prune(db, retention) if retention is not None else 0
        counts = queue_counts(db)
        err.print(
            f"Ran {ran} job(s); {counts['queued']} queued, {counts['dead']} dead; "
            f"pruned {pruned} finished."
        )
        return
    worker = Worker(db, threads, timedelta(seconds=poll), retention)
    worker.start()
    err.print(f"Worker running with {threads} thread(s); Ctrl-C stops it.")
    try:
        worker.wait()
    except KeyboardInterrupt:
        err.print(f"Stopped after {worker.completed} job(s).")


@click.group("jobs")
def jobs_group() -> None:
    """Look into the background job queue.

    \b
    Examples:
      cxm jobs list --status dead
      cxm jobs retry 42
      cxm jobs prune --older-than-days 7
    """


@jobs_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only this status.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_jobs(ctx: click.Context, status: str | None, limit: int, as_json: bool) -> None:
    """The newest jobs with their status, attempts and last error.

    \b
    Example:
      cxm jobs list --status dead --json
    """
    db = open_store(command_settings(ctx))
    jobs = table(Job)
    query = select(
        jobs.c.id,
        jobs.c.kind,
        jobs.c.status,
        jobs.c.attempts,
        jobs.c.created_at,
        jobs.c.last_error,
    ).order_by(jobs.c.id.desc())
    if status:
        query = query.where(jobs.c.status == status)
    with db.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query.limit(limit)).mappings()]
    if as_json:
        click.echo(json.dumps({"counts": queue_counts(db), "jobs": rows}, default=str, indent=2))
        return
    out = Table("id", "kind", "status", "attempts", "created", "last error")
    for r in rows:
        out.add_row(
            str(r["id"]),
            r["kind"],
            r["status"],
            str(r["attempts"]),
            str(r["created_at"])[:19],
            (r["last_error"] or "")[:80],
        )
    Console().print(out)


@jobs_group.command("retry")
@click.argument("job_id", type=int)
@click.pass_context
def retry_job(ctx: click.Context, job_id: int) -> None:
    """Queue a dead job again with fresh attempts.

    \b
    Example:
      cxm jobs retry 42
    """
    db = open_store(command_settings(ctx))
    try:
        retry(db, job_id)
    except CxmError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Job {job_id} queued again.")


@jobs_group.command("prune")
@click.option(
    "--older-than-days",
    type=click.FloatRange(min=0),
    default=None,
    help="Keep jobs finished more recently [default: the job_retention_days setting].",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def prune_jobs(ctx: click.Context, older_than_days: float | None, as_json: bool) -> None:
    """Delete finished (done) and dead jobs older than a number of days.

    Queued and running jobs are never deleted. The worker does this every hour by itself.

    \b
    Examples:
      cxm jobs prune                       # older than job_retention_days (default 14)
      cxm jobs prune --older-than-days 0   # every finished job
    """
    settings = command_settings(ctx)
    days = settings.job_retention_days if older_than_days is None else older_than_days
    removed = prune(open_store(settings), timedelta(days=days))
    if as_json:
        click.echo(json.dumps({"pruned": removed, "older_than_days": days}))
        return
    click.echo(f"Pruned {removed} finished job(s) older than {days:g} day(s).")
