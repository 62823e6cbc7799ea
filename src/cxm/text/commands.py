"""`cxm text analyse|enrich|evaluate|train`: text analytics from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError

if TYPE_CHECKING:
    from cxm.text.labels import Labelled

TASKS = click.Choice(["sentiment", "emotion", "theme"])
BACKEND = click.option(
    "--backend",
    type=click.Choice(["builtin", "transformers", "llm"]),
    default=None,
    help="Text backend (default: CXM_TEXT_BACKEND, else builtin).",
)


@click.group("text")
def text_group() -> None:
    """Language, sentiment and emotions of what customers write.

    \b
    Examples:
      cxm text analyse "Доставка затрималася на тиждень"
      cxm text enrich
      cxm text evaluate --task sentiment labelled.csv
    """


def _model(
    ctx: click.Context, org_slug: str, backend: str | None = "builtin", need_org: bool = True
) -> tuple[Any, int, Any]:
    """The store, the organization and its model; reading alone (``need_org`` false) needs
    no organization: without one the shipped model reads."""
    from cxm.text.backends import text_backend

    settings = command_settings(ctx)
    db = open_store(settings)
    try:
        org_id = organization_id(db, org_slug)
    except click.ClickException:
        if need_org:
            raise
        click.echo(f"No organization '{org_slug}': the shipped model reads.", err=True)
        org_id = 0  # no organization's own model
    return db, org_id, text_backend(settings, org_id, backend)


@text_group.command("analyse")
@click.argument("texts", nargs=-1, required=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@BACKEND
@click.pass_context
def analyse_command(
    ctx: click.Context, texts: tuple[str, ...], org_slug: str, as_json: bool, backend: str | None
) -> None:
    """Read texts given on the command line with the organization's current model.

    \b
    Example:
      cxm text analyse "The courier was rude" "Дякую, все чудово"
    """
    from cxm.text.api import read_with_aspects

    _, _, model = _model(ctx, org_slug, backend, need_org=False)
    results = read_with_aspects(model, list(texts))
    if as_json:
        click.echo(json.dumps([{"text": t, **r} for t, r in zip(texts, results, strict=True)],
                              ensure_ascii=False))  # fmt: skip
        return
    for text, r in zip(texts, results, strict=True):
        click.echo(
            f"{r['language'] or '-':<4} {r['sentiment']:<9} {r['sentiment_score']:+.2f} "
            f"{r['labels']:<18} {text[:80]}"
        )
        for a in r["aspects"]:
            click.echo(
                f"     {a['aspect']:<10} {a['sentiment']:<9} {a['score']:+.2f} {a['clause']}"
            )


@text_group.command("enrich")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--limit", type=int, default=None, help="At most this many items.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (and no progress bar).")
@BACKEND
@click.pass_context
def enrich_command(
    ctx: click.Context, org_slug: str, limit: int | None, as_json: bool, backend: str | None
) -> None:
    """Enrich the feedback the current model has not read yet (safe to run again).

    \b
    Example:
      cxm text enrich --limit 10000
      cxm text enrich --json

    Aspects (what a comment says about delivery, the courier, the price...) are read and
    stored with the rest; items enriched before aspects were stored get theirs too.
    """
    from rich.progress import Progress

    from cxm.surveys.comments import copy_all_comments
    from cxm.text.aspect_store import aspect_backlog, read_pending_aspects
    from cxm.text.enrichment import backlog, enrich_pending
    from cxm.text.theme_commands import read_themes_with_progress
    from cxm.text.theme_store import load_taxonomy

    db, org_id, model = _model(ctx, org_slug, backend)
    # Survey comments completed before they were copied on completion, or imported.
    copied = copy_all_comments(db, org_id, command_settings(ctx).data_dir)
    total = backlog(db, org_id, model) if limit is None else min(limit, backlog(db, org_id, model))
    with Progress(transient=False, disable=as_json) as bar:
        task = bar.add_task(f"Enriching with {model.version}", total=total)
        done = enrich_pending(db, org_id, model, limit, lambda n: bar.update(task, completed=n))
        older = aspect_backlog(db, org_id, model)
        if older:  # enriched before aspects were stored
            step = bar.add_task("Reading aspects", total=older)
            read_pending_aspects(db, org_id, model, None, lambda n: bar.update(step, completed=n))
        themed = read_themes_with_progress(bar, db, org_id, limit)
    if as_json:
        click.echo(json.dumps({"enriched": done, "survey_comments_copied": copied,
                               "aspects_of_older": older,
                               "themes_read": themed, "model": model.version,
                               "taxonomy": load_taxonomy(db, org_id).version}))  # fmt: skip
        return
    if copied:
        click.echo(f"Copied {copied:,} survey comment(s) into feedback.")
    click.echo(f"Enriched {done:,} item(s) with {model.version}; read themes of {themed:,}.")


def _labelled(path: Path, task: str) -> Any:
    from cxm.text.corpora import read_any

    try:
        return read_any(path, task)
    except ValidationError as exc:
        raise click.ClickException(_refusal(exc)) from exc


def _refusal(exc: ValidationError) -> str:
    detail = "; ".join(
        f"row {f.index}, column {f.field}: {f.reason}" if f.index
        else f.reason if f.field in (None, "file") else f"column {f.field}: {f.reason}"
        for f in exc.faults[:10]
    )  # fmt: skip
    return f"{exc} ({detail})" if detail else str(exc)


@text_group.command("evaluate")
@click.option(
    "--task", type=click.Choice(["sentiment", "emotion", "aspects", "theme"]), required=True
)
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                required=False)  # fmt: skip
@click.option(
    "--from-ratings",
    is_flag=True,
    help="Sentiment only, instead of FILE: judge against the organization's own star-rated "
    "reviews and rated survey comments (weak labels, as for `cxm text train`).",
)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@BACKEND
@click.pass_context
def evaluate_command(
    ctx: click.Context, task: str, file: Path | None, from_ratings: bool, org_slug: str,
    as_json: bool, backend: str | None,
) -> None:  # fmt: skip
    """Accuracy, macro-F1, per-class precision and recall, and the confusion matrix.

    FILE is a CSV with `text` and `sentiment` (negative, neutral, positive) or `emotions`
    (space-separated anger, disgust, fear, joy, sadness, surprise, gratitude,
    disappointment, trust, or none; macro-F1 is of the first six, or of the last three
    when a file labels only those), or for
    aspects `aspects` ("delivery:negative courier:positive"; optional `language`, `split`),
    or for theme `themes` (space-separated keys of the organization's taxonomy, e.g.
    "delivery/late packaging", or none; a sub-theme counts for its theme too).
    Sentiment is also reported per `language` and `split` when the file has those columns.
    A sentiment file labelling no text neutral is read two ways: each text as the likelier
    of negative and positive (the three-way figures are shown too). The published
    GoEmotions (.tsv beside its labels.txt) and CEDR (text,labels) files are read as they are.

    \b
    Example:
      cxm text evaluate --task sentiment reviews.csv --json
      cxm text evaluate --task aspects tests/data/aspects.csv
      cxm text evaluate --task emotion goemotions/ekman/dev.tsv
      cxm text evaluate --task theme our-themes.csv
      cxm text evaluate --task sentiment --from-ratings
    """
    from cxm.text.evaluation import evaluate
    from cxm.text.evaluation_commands import evaluate_aspects_file, evaluate_ratings, print_report

    if (file is None) == (not from_ratings):
        raise click.UsageError("give FILE or --from-ratings (not both)")
    if file is None:
        if task != "sentiment":
            raise click.UsageError("--from-ratings gives sentiment labels only (--task sentiment)")
        evaluate_ratings(ctx, org_slug, as_json, backend)
        return
    if task == "theme":
        from cxm.text.theme_learning_commands import evaluate_theme_file

        evaluate_theme_file(ctx, file, org_slug, as_json)
        return
    if task == "aspects":
        evaluate_aspects_file(ctx, file, org_slug, as_json, backend)
        return
    data = _labelled(file, task)
    _, _, model = _model(ctx, org_slug, backend, need_org=False)
    report = evaluate(model, data, task)
    report["model"] = model.version
    if task == "sentiment":
        from cxm.text.review_set import row_groups, sentiment_by_group

        groups = row_groups(file)
        if any(split or language for split, language in groups):
            report["groups"] = sentiment_by_group(model, data, groups)
    print_report(report, task, file.name, as_json)


@text_group.command("train")
@click.option("--task", type=TASKS, required=True)
@click.option(
    "--labels", "file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="A labelled CSV (text, and sentiment, stars 1-5, emotions or themes), or a "
    "GoEmotions or CEDR file.",
)  # fmt: skip
@click.option(
    "--from-ratings",
    is_flag=True,
    help="Sentiment only: also learn from stored reviews labelled by their stars (1-2 "
    "negative, 3 neutral, 4-5 positive) and survey comments labelled by the CSAT or NPS "
    "score on the same response (CSAT as stars; NPS 0-6, 7-8, 9-10).",
)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (and no progress bar).")
@click.pass_context
def train_command(
    ctx: click.Context, task: str, file: Path | None, from_ratings: bool, org_slug: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Learn one task from your own labelled texts; the model is used from then on.

    Sentiment and emotion: the other task keeps the current model's weights. The model is
    written to DATA_DIR/text/org-N.npz. Theme: words strongly tied to a labelled theme that
    the taxonomy lacks are added as its keywords, when they raise the cross-validated F1,
    as a new taxonomy version (FILE as for `cxm text evaluate --task theme`). Re-reading of
    the stored texts is then queued for the background worker.

    \b
    Example:
      cxm text train --task sentiment --labels our-reviews.csv
      cxm text train --task sentiment --from-ratings
      cxm text train --task theme --labels our-themes.csv --json
    """
    from cxm.text.builtin import adapt, retrain
    from cxm.text.enrichment import forget_models
    from cxm.text.labels import Labelled, check_counts
    from cxm.text.theme_learning_commands import queue_rereading, queued_message
    from cxm.text.weak_labels import rated_texts

    if file is None and not from_ratings:
        raise click.UsageError("give --labels FILE, --from-ratings, or both")
    if from_ratings and task != "sentiment":
        raise click.UsageError("--from-ratings gives sentiment labels only (--task sentiment)")
    if task == "theme":
        from cxm.text.theme_learning_commands import train_theme_file

        if file is None:
            raise click.UsageError("--task theme learns from --labels FILE")
        train_theme_file(ctx, file, org_slug, as_json)
        return
    data = _labelled(file, task) if file else Labelled()
    db, org_id, base = _model(ctx, org_slug)
    weak = rated_texts(db, org_id) if from_ratings else Labelled()
    if from_ratings:
        if not as_json:
            click.echo(f"{len(weak):,} rated reviews and survey comments as weak labels.")
        data.extend(weak)
        try:
            check_counts(data, task, "the labelled texts")
        except ValidationError as exc:
            raise click.ClickException(_refusal(exc)) from exc
    found = None
    if task == "sentiment":
        from rich.progress import Progress

        with Progress(transient=False, disable=as_json) as bar:
            fits = bar.add_task(f"Learning from {len(data):,} texts (cross-validated fits)")
            model, found = adapt(
                base, data, lambda done, total: bar.update(fits, completed=done, total=total)
            )
    else:
        unread = _untrained_emotions(data)
        if unread and not as_json:
            named = " and ".join([", ".join(unread[:-1]), unread[-1]] if unread[:-1] else unread)
            click.echo(f"{named}: read by cxm's own reader, not trained (their "
                       "labels are measured by `cxm text evaluate`).")  # fmt: skip
        model = retrain(base, data, task)
    target = command_settings(ctx).data_dir / "text" / f"org-{org_id}.npz"
    model.save(target)
    forget_models()
    queued = queue_rereading(ctx, db, org_id)
    if as_json:
        click.echo(json.dumps({
            "task": task, "texts": len(data), "weak_labels": len(weak), "model": model.version,
            "path": str(target), "queued": queued,
            "cross_validated": None if found is None else {
                "macro_f1": found.scores, "strength": found.strength,
                "kept_shipped": found.strength is None},
        }))  # fmt: skip
        return
    if found is not None:
        click.echo(f"Sentiment: {found.summary()}.")
    click.echo(f"Trained {task} on {len(data):,} texts: {model.version} -> {target}")
    click.echo(queued_message(queued))


def _untrained_emotions(data: Labelled) -> list[str]:
    """Gratitude, disappointment and trust the file labels (they are not trained); refuses a
    file that labels none of the six emotions a model learns."""
    from cxm.text.labels import EMOTIONS, FEEDBACK_EMOTIONS

    named = set().union(*(e for e in data.emotions if e))
    if not named & set(EMOTIONS) and named:
        raise click.ClickException(
            "the file labels only gratitude, disappointment or trust, which cxm reads with its "
            f"own reader and does not learn; label some of {', '.join(EMOTIONS)} to train emotions"
        )
    return [e for e in FEEDBACK_EMOTIONS if e in named]


def _theme_commands() -> None:
    from cxm.text.comment_commands import comments_command
    from cxm.text.status_commands import status_command
    from cxm.text.theme_commands import THEME_COMMANDS

    for command in (*THEME_COMMANDS, status_command, comments_command):
        text_group.add_command(command)


_theme_commands()
