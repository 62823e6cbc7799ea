"""`cxm text taxonomy|themes|aspects|discover|promote`: themes and aspects from the command
line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cxm.core.commands import command_settings, open_store, organization_id
from cxm.core.errors import ValidationError


def read_themes_with_progress(bar: Any, db: Any, org_id: int, limit: int | None) -> int:
    """Read the themes of what the current taxonomy has not read, on a rich progress bar."""
    from cxm.text.theme_store import read_pending_themes, theme_backlog

    total = theme_backlog(db, org_id)
    task = bar.add_task("Reading themes", total=total if limit is None else min(limit, total))
    return read_pending_themes(db, org_id, limit, lambda n: bar.update(task, completed=n))


def _store(ctx: click.Context, org_slug: str) -> tuple[Any, int]:
    db = open_store(command_settings(ctx))
    return db, organization_id(db, org_slug)


def refusal(exc: ValidationError) -> click.ClickException:
    detail = "; ".join(f"{f.field}: {f.reason}" for f in exc.faults[:10])
    return click.ClickException(f"{exc.detail} ({detail})" if detail else exc.detail)


@click.group("taxonomy")
def taxonomy_group() -> None:
    """The themes taxonomy: theme -> sub-theme, keywords and examples per language.

    \b
    Examples:
      cxm text taxonomy show --json > taxonomy.json
      cxm text taxonomy set taxonomy.json
    """


@taxonomy_group.command("show")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the definition as JSON.")
@click.pass_context
def show_command(ctx: click.Context, org_slug: str, as_json: bool) -> None:
    """Print the taxonomy in use (the default one until you set your own).

    \b
    Example:
      cxm text taxonomy show
    """
    from cxm.text.theme_store import load_taxonomy

    db, org_id = _store(ctx, org_slug)
    taxonomy = load_taxonomy(db, org_id)
    if as_json:
        click.echo(json.dumps({"version": taxonomy.version, **taxonomy.as_dict()},
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    click.echo(taxonomy.version)
    for theme in taxonomy.themes:
        click.echo(f"{theme.key}  {theme.names['en']}")
        for sub in theme.subthemes:
            words = sum(len(v) for v in sub.keywords.values())
            click.echo(f"  {theme.key}/{sub.key}  {sub.names['en']}  ({words} keywords)")


@taxonomy_group.command("set")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.pass_context
def set_command(ctx: click.Context, file: Path, org_slug: str) -> None:
    """Replace the taxonomy with the JSON definition in FILE (a new version; texts are read
    again by `cxm text enrich` or the background worker).

    \b
    Example:
      cxm text taxonomy set taxonomy.json
    """
    from cxm.text.theme_store import save_taxonomy

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name} is not JSON: {exc}") from exc
    db, org_id = _store(ctx, org_slug)
    try:
        taxonomy = save_taxonomy(db, org_id, data, note=f"cxm text taxonomy set {file.name}")
    except ValidationError as exc:
        raise refusal(exc) from exc
    click.echo(f"Taxonomy {taxonomy.version}: {len(taxonomy.themes)} themes.")


def _clusters(db: Any, org_id: int, since: str | None, include_positive: bool) -> list[Any]:
    from datetime import UTC, datetime

    from cxm.text.discovery import discover
    from cxm.text.theme_store import uncovered

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=UTC)
        except ValueError as exc:
            raise click.BadParameter(f"not a date: {since!r}", param_hint="--since") from exc
    return discover(uncovered(db, org_id, start, include_positive))


@click.command("discover")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--since", default=None, help="Only comments from this date (YYYY-MM-DD).")
@click.option("--all", "include_positive", is_flag=True, help="Positive comments too.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def discover_command(
    ctx: click.Context, org_slug: str, since: str | None, include_positive: bool, as_json: bool
) -> None:
    """Clusters of comments no taxonomy theme covers, named by their most telling words.

    Positive comments are left out unless --all is given. Promote a cluster with
    `cxm text promote NUMBER --theme KEY --subtheme KEY --name NAME`.

    \b
    Example:
      cxm text discover --since 2026-08-01
    """
    db, org_id = _store(ctx, org_slug)
    clusters = _clusters(db, org_id, since, include_positive)
    if as_json:
        click.echo(json.dumps([c.as_dict() for c in clusters], ensure_ascii=False))
        return
    if not clusters:
        click.echo("No clusters: every comment has a theme, or too few are left.")
    for c in clusters:
        click.echo(f"{c.number:>2}. {c.name}  ({c.size:,} comments; {', '.join(c.terms[:6])})")
        for example in c.examples[:2]:
            click.echo(f"      “{example[:100]}”")


@click.command("promote")
@click.argument("number", type=int)
@click.option("--theme", required=True, help="Theme key (new or existing), e.g. packaging.")
@click.option("--subtheme", required=True, help="Sub-theme key, e.g. damaged.")
@click.option("--name", required=True, help="English name of the sub-theme.")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--since", default=None, help="As given to cxm text discover.")
@click.option("--all", "include_positive", is_flag=True, help="As given to cxm text discover.")
@click.pass_context
def promote_command(
    ctx: click.Context, number: int, theme: str, subtheme: str, name: str, org_slug: str,
    since: str | None, include_positive: bool,
) -> None:  # fmt: skip
    """Add discovered cluster NUMBER to the taxonomy with its keywords per language.

    \b
    Example:
      cxm text promote 1 --theme packaging --subtheme damaged --name "Damaged packaging"
    """
    from cxm.text.theme_store import promote

    db, org_id = _store(ctx, org_slug)
    clusters = {c.number: c for c in _clusters(db, org_id, since, include_positive)}
    if number not in clusters:
        raise click.BadParameter(
            f"no cluster {number} (run cxm text discover)", param_hint="NUMBER"
        )
    try:
        taxonomy = promote(db, org_id, theme, subtheme, name, clusters[number].keywords)
    except ValidationError as exc:
        raise refusal(exc) from exc
    click.echo(
        f"Added {theme}/{subtheme} ({clusters[number].name}); taxonomy {taxonomy.version}. "
        "Run `cxm text enrich` to read the comments again."
    )


def _summary(
    ctx: click.Context, org_slug: str, filters: tuple[Any, Any, Any, Any, Any], load: Any
) -> tuple[Any, int, Any]:
    """The store, the organization and ``load(analytics, org, filter)`` for the options'
    (since, until, channel, language, kind)."""
    from cxm.analytics.backend import Analytics
    from cxm.analytics.themes import ThemeFilter

    since, until, channel, language, kind = filters
    db, org_id = _store(ctx, org_slug)
    f = ThemeFilter(since.date() if since else None, until.date() if until else None,
                    channel, language, kind)  # fmt: skip
    analytics = Analytics(db, command_settings(ctx))
    try:
        return db, org_id, load(analytics, org_id, f)
    finally:
        analytics.close()


@click.command("themes")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="From this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="To this date.")
@click.option("--channel", default=None, help="Only this channel (store, web, contact_centre...).")
@click.option("--language", type=click.Choice(["uk", "ru", "en"]), default=None)
@click.option("--kind", default=None, help="Only this kind of feedback (complaint, comment...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def themes_command(
    ctx: click.Context, org_slug: str, since: Any, until: Any, channel: str | None,
    language: str | None, kind: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Volume, sentiment, trend and emotions per theme, and the NPS of customers whose
    comments have each theme against the other commenting customers.

    \b
    Example:
      cxm text themes --since 2026-08-01 --json
    """
    from cxm.analytics.themes import load_themes
    from cxm.text.theme_store import load_taxonomy

    db, org_id, summary = _summary(ctx, org_slug, (since, until, channel, language, kind),
                                   load_themes)  # fmt: skip
    taxonomy = load_taxonomy(db, org_id)
    if as_json:
        click.echo(json.dumps({
            "comments": summary.comments, "with_theme": summary.with_theme,
            "taxonomy": taxonomy.version,
            "themes": [{"name": taxonomy.name(t.key), **t.as_dict()} for t in summary.themes],
        }, ensure_ascii=False))  # fmt: skip
        return
    click.echo(f"{summary.comments:,} comments, {summary.with_theme:,} with a theme")
    for t in summary.themes:
        nps = (
            f"NPS {t.nps_with:+.0f} vs {t.nps_without:+.0f} ({t.nps_difference:+.0f}, "
            f"{t.nps_low:+.0f} to {t.nps_high:+.0f})"
            if t.nps_difference is not None
            and t.nps_low is not None
            and t.nps_high is not None
            and t.nps_with is not None
            and t.nps_without is not None
            else "NPS: too few answers"
        )
        stars = f"  {t.mean_rating:.1f}* of {t.rated:,}" if t.mean_rating is not None else ""
        click.echo(
            f"{taxonomy.name(t.key)[:40]:<40} {t.comments:>6,} {100 * t.negative:>4.0f}% neg  {nps}"
            f"{stars}"
        )


@click.command("aspects")
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="From this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="To this date.")
@click.option("--channel", default=None, help="Only this channel (store, web, contact_centre...).")
@click.option("--language", type=click.Choice(["uk", "ru", "en"]), default=None)
@click.option("--kind", default=None, help="Only this kind of feedback (complaint, comment...).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def aspects_command(
    ctx: click.Context, org_slug: str, since: Any, until: Any, channel: str | None,
    language: str | None, kind: str | None, as_json: bool,
) -> None:  # fmt: skip
    """What comments say about each aspect (delivery, courier, support, staff, price,
    quality, packaging, store, website, payment, returns): mentions, negative, neutral and
    positive, the mean score and net sentiment (positive minus negative share).

    \b
    Example:
      cxm text aspects --since 2026-08-01 --json
    """
    from cxm.analytics.aspects import load_aspects

    _db, _org, summary = _summary(ctx, org_slug, (since, until, channel, language, kind),
                                  load_aspects)  # fmt: skip
    if as_json:
        click.echo(json.dumps({
            "comments": summary.comments, "with_aspect": summary.with_aspect,
            "aspects": [a.as_dict() for a in summary.aspects],
        }, ensure_ascii=False))  # fmt: skip
        return
    click.echo(f"{summary.comments:,} comments, {summary.with_aspect:,} naming an aspect")
    click.echo(f"{'aspect':<11} {'comments':>8} {'neg':>6} {'neu':>6} {'pos':>6} {'net':>5}")
    for a in summary.aspects:
        click.echo(
            f"{a.aspect:<11} {a.comments:>8,} {a.negative:>6,} {a.neutral:>6,} {a.positive:>6,} "
            f"{100 * a.net:>+4.0f}%"
        )


THEME_COMMANDS: tuple[click.Command, ...] = (
    taxonomy_group,
    discover_command,
    promote_command,
    themes_command,
    aspects_command,
)
