"""`cxm text taxonomy|themes|discover|promote`: themes from the command line."""

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


THEME_COMMANDS: tuple[click.Command, ...] = (taxonomy_group,)
