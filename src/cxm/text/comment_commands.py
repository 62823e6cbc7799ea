"""`cxm text comments`: the stored feedback with what was read in it, filtered like the Voice
page and `GET /api/v1/voice` (the same filters, the same JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cxm.analytics.explorer import NPS_GROUPS
from cxm.analytics.periods import PERIOD
from cxm.core.commands import command_settings, open_store, organization_id
from cxm.ingest.models import CHANNELS, STAGES
from cxm.text.labels import ALL_EMOTIONS

EMOTIONS = (*ALL_EMOTIONS, "none")


def _period(_: click.Context, __: click.Parameter, value: str | None) -> str | None:
    if value is not None and not PERIOD.match(value):
        raise click.BadParameter(f"{value!r} is not YYYY-MM, YYYY-Qn or YYYY")
    return value


@click.command("comments")
@click.option("--search", "q", default=None, help="Word forms to find (over stored lemmas).")
@click.option("--kind", default=None, help="complaint, contact_centre_note, survey_comment ...")
@click.option("--category", default=None)
@click.option("--language", default=None, help="uk, ru, en ...")
@click.option("--sentiment", type=click.Choice(["negative", "neutral", "positive"]))
@click.option("--emotion", type=click.Choice(EMOTIONS))
@click.option("--theme", default=None, help="A taxonomy key: delivery or delivery/late.")
@click.option("--channel", type=click.Choice(CHANNELS), help="The feedback's own channel.")
@click.option("--stage", type=click.Choice((*STAGES, "unknown")), help="A journey stage.")
@click.option("--store", default=None, help="A location code.")
@click.option("--period", default=None, callback=_period, help="YYYY-MM, YYYY-Qn or YYYY.")
@click.option("--nps-group", type=click.Choice(NPS_GROUPS), help="The writer's latest NPS answer.")
@click.option("--rating", type=click.IntRange(1, 5), help="A rated review's stars (1-5).")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option("--org", "org_slug", default="demo", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (as GET /api/v1/voice).")
@click.option(
    "--export",
    "target",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write every comment the filters keep (not one page) to FILE.csv or FILE.xlsx.",
)
@click.pass_context
def comments_command(
    ctx: click.Context,
    /,
    q: str | None,
    page: int,
    org_slug: str,
    as_json: bool,
    target: Path | None,
    rating: int | None,
    **given: str | None,
) -> None:
    """Stored comments, newest first (50 a page), with their sentiment, emotions and themes.

    \b
    Example:
      cxm text comments --search затримка --emotion anger --json
      cxm text comments --channel web --period 2026-Q3 --nps-group detractor
      cxm text comments --theme delivery --rating 1 --export one-star-delivery.xlsx
    """
    from cxm.analytics.backend import Analytics
    from cxm.analytics.voice import VoiceFilter, load_voice
    from cxm.text.aspect_store import aspects_for
    from cxm.text.enrichment import readings_for
    from cxm.text.search import search_terms

    settings = command_settings(ctx)
    db = open_store(settings)
    org_id = organization_id(db, org_slug)
    words, unread = search_terms(db, org_id, q) if q else (None, ())
    f = VoiceFilter(page=page, words=words, unread_hits=unread, rating=rating, **given)
    if target is not None:
        from cxm.analytics.voice import all_comments
        from cxm.analytics.voice_export import export_comments

        fmt = target.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise click.BadParameter("name a .csv or .xlsx file", param_hint="--export")
        every = all_comments(Analytics(db, settings), org_id, f)
        target.write_bytes(export_comments(every, fmt))
        click.echo(f"{len(every):,} comment(s) written to {target}.")
        return
    found = load_voice(Analytics(db, settings), org_id, f)
    if as_json:
        read = aspects_for(db, org_id, [c.id for c in found.comments])
        answer = found.as_json(read, readings_for(db, org_id, [c.id for c in found.comments]))
        click.echo(json.dumps(answer, ensure_ascii=False))
        return
    click.echo(f"{found.total:,} comment(s); page {found.page} of {found.pages}. "
               f"Sentiment: {found.by_sentiment}; emotions: {found.by_emotion}")  # fmt: skip
    for c in found.comments:
        when = c.occurred_at.strftime("%Y-%m-%d")
        feelings = " ".join(c.emotions) or "none"
        kind = f"{c.kind} {c.rating}*" if c.rating else c.kind
        click.echo(f"#{c.id} {when} {kind} [{c.language or '?'}] {c.sentiment or 'unread'} "
                   f"({feelings}) {' '.join(c.themes)}")  # fmt: skip
        click.echo(f"    {' '.join(c.text.split())[:200]}")
