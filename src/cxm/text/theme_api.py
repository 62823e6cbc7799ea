"""JSON routes for themes: the taxonomy, theme summaries, discovered themes and promotion."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool

from cxm.text.enrichment import queue_enrichment
from cxm.text.theme_store import load_taxonomy, save_taxonomy
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
