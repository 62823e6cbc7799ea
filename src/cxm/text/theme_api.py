"""JSON routes for themes: the taxonomy, theme and aspect summaries, discovered themes and
promotion."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cxm.analytics.aspects import load_aspects
from cxm.analytics.themes import ThemeFilter, load_themes
from cxm.text.enrichment import queue_enrichment
from cxm.text.theme_store import discovered, load_taxonomy, promote, save_taxonomy
from cxm.web.deps import ApiClient, DbDep, SettingsDep

router = APIRouter(prefix="/api/v1/text", tags=["text"])


def _queue_reading(db: Any, org_id: int, data_dir: Any) -> None:
    """Ask the background worker to read every text again with the new taxonomy."""
    with db.writer() as conn:
        queue_enrichment(conn, org_id, data_dir)


@router.get(
    "/taxonomy",
    description="The themes taxonomy in use (theme -> sub-theme with names, keywords and "
    "examples per language uk/ru/en) and its version; the default one until you set yours.",
)
async def get_taxonomy(client: ApiClient, db: DbDep) -> dict[str, Any]:
    taxonomy = await run_in_threadpool(load_taxonomy, db, client.organization_id)
    return {"version": taxonomy.version, **taxonomy.as_dict()}


@router.put(
    "/taxonomy",
    description="Replace the taxonomy (a new version; every text is read again in the "
    "background). A definition with a missing or wrong field is refused with its path, e.g. "
    "`themes[2].subthemes[0].keywords`.",
)
async def put_taxonomy(
    client: ApiClient,
    db: DbDep,
    settings: SettingsDep,
    definition: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    taxonomy = await run_in_threadpool(
        save_taxonomy, db, client.organization_id, definition, "PUT /api/v1/text/taxonomy"
    )
    await run_in_threadpool(_queue_reading, db, client.organization_id, settings.data_dir)
    return {"version": taxonomy.version, **taxonomy.as_dict()}


@router.get(
    "/themes/discovered",
    description="Clusters of comments no taxonomy theme covers, named by their most telling "
    "words, with their keywords per language (ready to promote), size, languages, comments "
    "per month and examples. Positive comments are left out unless `all=true`. Reused until "
    "new comments, readings or a new taxonomy arrive.",
)
async def discovered_themes(
    request: Request,
    client: ApiClient,
    db: DbDep,
    since: Annotated[date | None, Query(description="Only comments from this date.")] = None,
    include_positive: Annotated[
        bool, Query(alias="all", description="Include positive comments.")
    ] = False,
) -> dict[str, Any]:
    start = datetime.combine(since, time(0), UTC) if since else None

    def run() -> list[Any]:
        analytics = request.app.state.analytics
        return discovered(analytics, db, client.organization_id, start, include_positive)

    clusters = await run_in_threadpool(run)
    return {"clusters": [c.as_dict() for c in clusters]}


class PromoteIn(BaseModel):
    theme: str = Field(max_length=40, description="Theme key, new or existing (a-z0-9_).")
    subtheme: str = Field(max_length=40, description="Sub-theme key (a-z0-9_).")
    name: str = Field(min_length=1, max_length=80, description="English name of the sub-theme.")
    theme_name: str | None = Field(default=None, max_length=80)
    keywords: dict[str, list[str]] = Field(description="Keywords per language: uk, ru, en.")


@router.post(
    "/themes/discovered/promote",
    description="Add a discovered theme to the taxonomy (a new version; every comment is "
    "read again in the background). Refused with the field at fault.",
)
async def promote_discovered(
    body: PromoteIn, client: ApiClient, db: DbDep, settings: SettingsDep
) -> dict[str, Any]:
    taxonomy = await run_in_threadpool(
        promote, db, client.organization_id, body.theme, body.subtheme, body.name,
        body.keywords, body.theme_name,
    )  # fmt: skip
    await run_in_threadpool(_queue_reading, db, client.organization_id, settings.data_dir)
    return {"version": taxonomy.version, **taxonomy.as_dict()}


@router.get(
    "/themes",
    description="Volume, share, sentiment, comments per month and emotions per taxonomy theme "
    "and sub-theme, with the NPS of customers whose comments have the theme against the other "
    "commenting customers (difference with a 95% interval; none under 10 customers a side).",
)
async def themes_summary(
    request: Request,
    client: ApiClient,
    db: DbDep,
    since: date | None = None,
    until: date | None = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    language: Literal["uk", "ru", "en"] | None = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    f = ThemeFilter(since, until, channel, language, kind)
    summary = await run_in_threadpool(
        load_themes, request.app.state.analytics, client.organization_id, f
    )
    taxonomy = await run_in_threadpool(load_taxonomy, db, client.organization_id)
    return {
        "comments": summary.comments,
        "with_theme": summary.with_theme,
        "taxonomy": taxonomy.version,
        "months": summary.months,
        "themes": [{"name": taxonomy.name(t.key), **t.as_dict()} for t in summary.themes],
    }


@router.get(
    "/aspects",
    description="What comments say about each aspect (delivery, courier, support, staff, "
    "price, quality, packaging, store, website, payment, returns), read with each comment's "
    "newest enrichment: comments naming it, negative / neutral / positive mentions, the mean "
    "score (-1 to 1), `net` (positive minus negative, as a share of the mentions) and "
    "mentions per month. Filters as for /themes.",
)
async def aspects_summary(
    request: Request,
    client: ApiClient,
    since: date | None = None,
    until: date | None = None,
    channel: Annotated[str | None, Query(max_length=32)] = None,
    language: Literal["uk", "ru", "en"] | None = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    f = ThemeFilter(since, until, channel, language, kind)
    summary = await run_in_threadpool(
        load_aspects, request.app.state.analytics, client.organization_id, f
    )
    return {
        "comments": summary.comments,
        "with_aspect": summary.with_aspect,
        "aspects": [a.as_dict() for a in summary.aspects],
    }
