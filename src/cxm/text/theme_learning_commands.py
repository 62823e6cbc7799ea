"""`cxm text evaluate --task theme` and `cxm text train --task theme`, and the re-reading
that any `cxm text train` queues."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.db import table
from cxm.core.errors import ValidationError


def queue_rereading(ctx: click.Context, db: Any, org_id: int) -> dict[str, Any]:
    """Queue the background job that reads the stored texts again with the organization's
    newest model and taxonomy (what they have read already is skipped); returns the job's
    id and how many texts the organization has."""
    from cxm.feedback.models import Feedback
    from cxm.text.enrichment import queue_enrichment

    fb = table(Feedback)
    with db.writer() as conn:
        job = queue_enrichment(conn, org_id, command_settings(ctx).data_dir)
        stored = conn.execute(
            select(func.count()).select_from(fb).where(fb.c.organization_id == org_id)
        ).scalar_one()
    return {"job": job, "texts": int(stored)}


def queued_message(queued: dict[str, Any]) -> str:
    return (
        f"Queued re-reading of the {queued['texts']:,} stored text(s) (job {queued['job']}): "
        "the background worker (cxm serve or cxm worker) reads them, and the pages show the "
        "new readings; `cxm text enrich` reads them now."
    )


def _refusal(exc: ValidationError) -> click.ClickException:
    detail = "; ".join(
        f"row {f.index}, column {f.field}: {f.reason}" if f.index
        else f.reason if f.field in (None, "file") else f"column {f.field}: {f.reason}"
        for f in exc.faults[:10]
    )  # fmt: skip
    return click.ClickException(f"{exc} ({detail})" if detail else str(exc))


def _taxonomy(ctx: click.Context, org_slug: str, need_org: bool) -> tuple[Any, int, Any]:
    """The store, the organization (0 when there is none and ``need_org`` is false) and its
    taxonomy (the default one without an organization)."""
    from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
    from cxm.text.taxonomy import parse_taxonomy
    from cxm.text.theme_store import load_taxonomy

    db = open_store(command_settings(ctx))
    try:
        org_id = organization_id(db, org_slug)
    except click.ClickException:
        if need_org:
            raise
        click.echo(f"No organization '{org_slug}': the default taxonomy reads.", err=True)
        return db, 0, parse_taxonomy(DEFAULT_TAXONOMY)
    return db, org_id, load_taxonomy(db, org_id)


def _labels(path: Path, taxonomy: Any) -> Any:
    from cxm.text.theme_labels import read_theme_labels

    try:
        return read_theme_labels(path, taxonomy)
    except ValidationError as exc:
        raise _refusal(exc) from exc


def _figures(report: dict[str, Any]) -> str:
    return f"micro-F1 {report['micro_f1']:.3f}  macro-F1 {report['macro_f1']:.3f}"


def evaluate_theme_file(ctx: click.Context, file: Path, org_slug: str, as_json: bool) -> None:
    """Print how well the organization's current taxonomy reads a theme-labelled file."""
    from cxm.text.theme_labels import evaluate_themes

    _, _, taxonomy = _taxonomy(ctx, org_slug, need_org=False)
    report = evaluate_themes(_labels(file, taxonomy), taxonomy)
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(f"theme on {file.name}: n = {report['n']}, taxonomy {taxonomy.version}")
    click.echo(f"  {_figures(report)}")
    for key, v in report["per_theme"].items():
        click.echo(f"  {key:<28} precision {v['precision']:.3f}  recall {v['recall']:.3f}  "
                   f"F1 {v['f1']:.3f}  n = {v['n']}")  # fmt: skip
    if report["unjudged_readings"]:
        click.echo(f"  {report['unjudged_readings']} reading(s) of themes the file does not "
                   "label were not judged")  # fmt: skip


def train_theme_file(ctx: click.Context, file: Path, org_slug: str, as_json: bool) -> None:
    """Learn taxonomy keywords from a theme-labelled file; save them as a new taxonomy
    version when they raise the cross-validated F1, and queue re-reading."""
    from cxm.text.theme_learning import train_themes, with_keywords
    from cxm.text.theme_store import save_taxonomy

    db, org_id, taxonomy = _taxonomy(ctx, org_slug, need_org=True)
    data = _labels(file, taxonomy)
    result = train_themes(data, taxonomy)
    if result.added:
        saved = save_taxonomy(db, org_id, with_keywords(taxonomy, result.added).as_dict(),
                              note=f"cxm text train --task theme {file.name}"[:200])  # fmt: skip
        result.taxonomy_after = saved.version
    queued = queue_rereading(ctx, db, org_id) if result.added else None
    out = result.as_dict() | {"task": "theme", "texts": len(data), "queued": queued,
                              "kept_unchanged": not result.added}  # fmt: skip
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    cv = out["cross_validated"]
    click.echo(f"Theme on {len(data):,} labelled texts, {result.folds}-fold cross-validated "
               f"against taxonomy {result.taxonomy_before}:")  # fmt: skip
    click.echo(f"  before: {_figures(cv['before'])}")
    click.echo(f"  after:  {_figures(cv['after'])}")
    for key, v in cv["per_theme"].items():
        click.echo(f"  {key:<28} F1 {v['before']:.3f} -> {v['after']:.3f}  n = {v['n']}")
    for key, f1 in result.not_kept.items():
        click.echo(f"  {key}: words learnt did not raise its F1 out of fold "
                   f"({f1['before']:.3f} -> {f1['after']:.3f}); not added")  # fmt: skip
    if not result.added:
        click.echo(f"Nothing helped out of fold: taxonomy {taxonomy.version} is kept unchanged.")
        return
    for key, words in out["added"].items():
        listed = ", ".join(f"{w['keyword']} ({w['language']}, {w['positives']}/"
                           f"{w['positives'] + w['negatives']})" for w in words)  # fmt: skip
        click.echo(f"Added to {key}: {listed}")
    click.echo(f"Taxonomy {result.taxonomy_after} saved (was {result.taxonomy_before}).")
    if queued:
        click.echo(queued_message(queued))
