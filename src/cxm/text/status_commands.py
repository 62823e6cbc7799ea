"""`cxm text status`: the text backend in use and the latest enrichment run, with the causes
for which texts were read by the builtin model instead (as `GET /api/v1/text/status`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from cxm.core.commands import command_settings, open_store, organization_id


@click.command("status")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_command(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """Which backend reads texts, and how the latest enrichment run went.

    \b
    Example:
      cxm text status --json
    """
    from cxm.text.accuracy import emotion_accuracy, sentiment_accuracy
    from cxm.text.backends import take_fallbacks, text_backend
    from cxm.text.enrichment import backlog, last_run
    from cxm.text.weak_labels import rating_agreement

    settings = command_settings(ctx)
    db = open_store(settings)
    org_id = organization_id(db, org_slug)
    take_fallbacks()
    model = text_backend(settings, org_id)
    not_used = take_fallbacks()  # why the configured backend cannot be used, if so
    run = last_run(db, org_id)
    status: dict[str, Any] = {
        "backend": settings.text_backend,
        "model": model.version,
        "reads_with": model.name,
        "not_used": not_used,
        "backlog": backlog(db, org_id, model),
        "last_enrichment": run,
        "rating_agreement": rating_agreement(db, org_id),
        "sentiment_accuracy": sentiment_accuracy(model),
        "emotion_accuracy": emotion_accuracy(model),
    }
    if as_json:
        click.echo(json.dumps(status))
        return
    click.echo(f"Backend {status['backend']}: texts are read by {model.name} ({model.version}).")
    for cause in not_used:
        click.echo(f"  {cause}")
    click.echo(f"Not read by it yet: {status['backlog']:,} item(s).")
    agree = status["rating_agreement"]
    if agree is not None:
        click.echo(f"Stored sentiment against the stars of {agree['n']:,} rated review(s): "
                   f"accuracy {agree['accuracy']:.3f}, macro-F1 {agree['macro_f1']:.3f} "
                   "(stars label a text only roughly).")  # fmt: skip
    _say_sentiment(status["sentiment_accuracy"])
    _say_accuracy(status["emotion_accuracy"])
    if run is None:
        click.echo("No enrichment run has finished yet.")
        return
    click.echo(f"Latest run: {run['status']} at {run['finished_at']}, {run.get('enriched', 0):,} "
               f"item(s) read with {run.get('model', '?')}.")  # fmt: skip
    for cause in run.get("fallbacks") or []:
        click.echo(f"  read by the builtin model instead: {cause}")


def _say_sentiment(rows: list[dict[str, Any]] | None) -> None:
    _say_measured("sentiment", rows, "reviews the shipped model never trained on (macro-F1 "
                  "of three classes; accuracy on negative and positive ones)",
                  lambda r: f"{r['data']}, {r['n']:,} texts; two-way "
                            f"{r['two_way_accuracy']:.2f}")  # fmt: skip


def _say_accuracy(rows: list[dict[str, Any]] | None) -> None:
    kinds = {"basic": "six basic", "feedback": "gratitude, disappointment, trust"}
    _say_measured("emotion", rows, "labelled texts the shipped model never trained on "
                  "(macro-F1)",
                  lambda r: f"{kinds[r['emotions']]}; {r['data']}, {r['n']:,} texts; weakest "
                            f"{r['weakest']} {r['weakest_f1']:.2f}")  # fmt: skip


def _say_measured(
    task: str, rows: list[dict[str, Any]] | None, on: str, line: Callable[[dict[str, Any]], str]
) -> None:
    """The shipped model's measured figures for ``task``, one line per language and set."""
    name = "Emotions" if task == "emotion" else "Sentiment"
    if rows is None:
        click.echo(f"{name} {'are' if task == 'emotion' else 'is'} read by your own model or "
                   f"backend: measure it on your labels with `cxm text evaluate --task {task} "
                   "FILE.csv`.")  # fmt: skip
        return
    click.echo(f"{name} as measured on {on}:")
    for r in rows:
        click.echo(f"  {r['language']}  {r['macro_f1']:.2f}  {line(r)}")
