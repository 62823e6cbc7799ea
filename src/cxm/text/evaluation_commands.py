"""`cxm text evaluate`'s reports: a labelled file's or the organization's own ratings'
sentiment, emotion and aspect figures, printed or as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cxm.core.errors import ValidationError
from cxm.text.commands import _model, _refusal
from cxm.text.labels import FEEDBACK_EMOTIONS


def evaluate_ratings(ctx: click.Context, org_slug: str, as_json: bool, backend: str | None) -> None:
    """How the model's sentiment agrees with what the organization's customers rated."""
    from cxm.text.evaluation import evaluate
    from cxm.text.labels import check_counts
    from cxm.text.weak_labels import rated_texts

    db, org_id, model = _model(ctx, org_slug, backend)
    data = rated_texts(db, org_id)
    try:
        check_counts(data, "sentiment", "the rated texts")
    except ValidationError as exc:
        raise click.ClickException(_refusal(exc)) from exc
    report = evaluate(model, data, "sentiment")
    report["model"] = model.version
    report["labels"] = "ratings"
    print_report(report, "sentiment", "the organization's ratings (weak labels)", as_json)
    if not as_json:
        click.echo("  Stars and scores label a text only roughly, and a model trained with "
                   "--from-ratings has seen these texts: judge a model on texts people "
                   "labelled.")  # fmt: skip


def print_report(report: dict[str, Any], task: str, source: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"{task} on {source}: n = {report['n']}, model {report['model']}")
    if task == "sentiment":
        if report["reading"] == "two-way":
            three = report["three_way"]
            click.echo("  no text is labelled neutral: read two ways, negative against positive "
                       f"(three ways: accuracy {three['accuracy']:.3f}, "
                       f"macro-F1 {three['macro_f1']:.3f})")  # fmt: skip
        click.echo(f"  accuracy {report['accuracy']:.3f}  macro-F1 {report['macro_f1']:.3f}")
        if "two_way" in report:
            two = report["two_way"]
            click.echo(f"  negative against positive (n = {two['n']}): accuracy "
                       f"{two['accuracy']:.3f}  macro-F1 {two['macro_f1']:.3f}")  # fmt: skip
    else:
        of = ", ".join(report.get("macro_of") or [])
        click.echo(f"  macro-F1 {report['macro_f1'] or 0:.3f}" + (f" (of {of})" if of else ""))
        if "feedback_macro_f1" in report:
            named = ", ".join(e for e in FEEDBACK_EMOTIONS if e in report["per_class"])
            click.echo(f"  {named}: macro-F1 {report['feedback_macro_f1']:.3f}")
    for name, v in report["per_class"].items():
        click.echo(
            f"  {name:<14} precision {v['precision']:.3f}  recall {v['recall']:.3f}  "
            f"F1 {v['f1']:.3f}  n = {v['n']}"
        )
    if "confusion" in report:
        labels = report["confusion"]["labels"]
        click.echo("  confusion (rows: truth, columns: predicted) " + " ".join(labels))
        for name, row in zip(labels, report["confusion"]["matrix"], strict=True):
            click.echo(f"  {name:<10} " + " ".join(f"{n:>8}" for n in row))
    for key, g in report.get("groups", {}).items():
        if key != "all":
            click.echo(f"  {key:<11} n = {g['n']:>5}  accuracy {g['accuracy']:.3f}  "
                       f"macro-F1 {g['macro_f1']:.3f}")  # fmt: skip


def evaluate_aspects_file(
    ctx: click.Context, file: Path, org_slug: str, as_json: bool, backend: str | None
) -> None:
    from cxm.text.aspects import evaluate_aspects, read_aspects

    try:
        data = read_aspects(file)
    except ValidationError as exc:
        raise click.ClickException(_refusal(exc)) from exc
    _, _, model = _model(ctx, org_slug, backend, need_org=False)
    report = evaluate_aspects(model, data)
    report["model"] = model.version
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"aspects on {file.name}: {report['n_texts']} texts, {report['n_aspects']} "
               f"aspects, model {model.version}")  # fmt: skip
    groups = {"all": report} | report["by_language"] | report["by_split_language"]
    click.echo(f"  {'':<8} {'aspect F1':>10} {'aspect+sentiment F1':>20} {'sentiment acc.':>15}")
    for name, r in groups.items():
        accuracy = r["sentiment_accuracy_on_found"]
        click.echo(f"  {name:<8} {r['aspects']['f1']:>10.3f} {r['aspect_sentiment']['f1']:>20.3f} "
                   f"{accuracy if accuracy is not None else 0:>15.3f}")  # fmt: skip
