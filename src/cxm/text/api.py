"""JSON routes for text analytics: read texts on demand, and the read feedback with filters."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from cxm.analytics.explorer import NPS_GROUPS
from cxm.analytics.periods import PERIOD
from cxm.analytics.voice import VoiceFilter, load_voice
from cxm.ingest.models import CHANNELS, STAGES
from cxm.text.aspect_store import aspects_for, clause_reader
from cxm.text.aspects import as_dicts, aspects
from cxm.text.backends import TextBackend, text_backend
from cxm.text.enrichment import analyse, readings_for
from cxm.web.deps import ApiClient, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["text"])
CHANNEL = f"^({'|'.join(CHANNELS)})$"
STAGE = f"^({'|'.join((*STAGES, 'unknown'))})$"
NPS_GROUP = f"^({'|'.join(NPS_GROUPS)})$"


class TextsIn(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=100, description="Up to 100 texts.")


@router.post(
    "/text/analyse",
    description="Language, sentiment (negative/neutral/positive with a score from -1 to 1 "
    "and a confidence) and emotions (intensity 0-1 each, and the labels above their "
    "thresholds) of up to 100 texts, read by the organization's current model (the "
    "configured text backend; each result names the model that read it). Nothing is "
    "stored. Empty, emoji-only and very long texts get a defined answer. `aspects` lists "
    "what each text says about each thing it names (delivery, courier, support, staff, "
    "price, quality, packaging, store, website, payment, returns): the sentiment and score "
    "of the clause naming it and the clause's character offsets.",
)
async def analyse_texts(body: TextsIn, client: ApiClient, settings: SettingsDep) -> dict[str, Any]:
    model = text_backend(settings, client.organization_id)
    results = await run_in_threadpool(read_with_aspects, model, body.texts)
    return {"model": model.version, "results": results}


@router.get(
    "/text/status",
    description="The organization's text backend as configured (`backend`) and the model that "
    "reads its texts now (`model`: the configured one, or the builtin model when it cannot "
    "be used), and its latest enrichment run: when it finished, how many texts it read, with "
    "which model, and `fallbacks`, the causes for which texts were read by the builtin model "
    "instead (an unreachable endpoint, a missing local model, the daily budget spent ...). "
    "`rating_agreement`: how the stored sentiment agrees with the stars of the rated reviews "
    "read so far (accuracy, macro-F1, confusion; null without any). `sentiment_accuracy` and "
    "`emotion_accuracy`: how well the shipped model reads, measured on labelled texts it "
    "never trained on, per language and set (macro-F1, texts; for sentiment the accuracy "
    "three-way and two-way, for emotions the weakest one); each null when the organization's "
    "own model for it or another backend reads.",
)
async def text_status(client: ApiClient, settings: SettingsDep, request: Request) -> dict[str, Any]:
    from cxm.text.accuracy import emotion_accuracy, sentiment_accuracy
    from cxm.text.enrichment import last_run
    from cxm.text.weak_labels import rating_agreement

    model = text_backend(settings, client.organization_id)
    db = request.app.state.db
    return {
        "backend": settings.text_backend,
        "model": model.version,
        "reads_with": model.name,
        "last_enrichment": await run_in_threadpool(last_run, db, client.organization_id),
        "rating_agreement": await run_in_threadpool(rating_agreement, db, client.organization_id),
        "sentiment_accuracy": sentiment_accuracy(model),
        "emotion_accuracy": emotion_accuracy(model),
    }


def read_with_aspects(model: TextBackend, texts: list[str]) -> list[dict[str, Any]]:
    """``analyse`` plus aspects. Clauses are scored by the backend itself, except an LLM's:
    its fallback (the builtin model) scores them, so aspects cost no extra requests."""
    results = analyse(model, texts)
    for result, found in zip(results, aspects(clause_reader(model), texts), strict=True):
        result["aspects"] = as_dicts(found)
    return results


@router.get(
    "/voice",
    description="Feedback with what the text analytics read in it (newest first, 50 a page), "
    "with counts by kind, category, sentiment and emotion, filtered like the Voice page "
    "(every filter combines with AND); `q` searches word forms over stored lemmas "
    "(Ukrainian, Russian, English) and combines with the filters. `stage` is the emotion "
    "curve's: the touchpoint's stage, else that of the writer's last event in the 14 days "
    "before, else `unknown`. `nps_group` is the group of the writer's latest NPS answer. "
    "A value outside its list is refused with 422 naming the parameter. Each item's "
    "`aspects` are what it says about each thing it names (sentiment, score and the "
    "character offsets of the clause), read with its newest enrichment.",
)
async def voice(
    request: Request,
    client: ApiClient,
    q: str | None = Query(default=None, max_length=200),
    kind: str | None = None,
    category: str | None = None,
    language: str | None = None,
    sentiment: Literal["negative", "neutral", "positive"] | None = None,
    emotion: Literal[
        "anger",
        "disgust",
        "fear",
        "joy",
        "sadness",
        "surprise",
        "gratitude",
        "disappointment",
        "trust",
        "none",
    ]
    | None = None,
    page: int = Query(default=1, ge=1, le=10_000),
    theme: str | None = Query(
        default=None, max_length=81, description="A taxonomy key: delivery or delivery/late."
    ),
    channel: str | None = Query(
        default=None, pattern=CHANNEL, description=f"The feedback's channel: {', '.join(CHANNELS)}."
    ),
    stage: str | None = Query(
        default=None,
        pattern=STAGE,
        description=f"Journey stage: {', '.join(STAGES)} or unknown.",
    ),
    store: str | None = Query(
        default=None, max_length=64, description="A location code (the store the feedback names)."
    ),
    period: str | None = Query(
        default=None,
        pattern=PERIOD.pattern,
        description="YYYY-MM, YYYY-Qn or YYYY: when it was written (organization time).",
    ),
    nps_group: str | None = Query(
        default=None,
        pattern=NPS_GROUP,
        description="promoter, passive or detractor: the writer's latest NPS answer.",
    ),
    rating: int | None = Query(default=None, ge=1, le=5, description="A review's stars (1-5)."),
    format: Literal["json", "csv", "xlsx"] = Query(
        default="json",
        description="csv or xlsx: every comment the filters keep (not one page), as a file "
        "with its reading (sentiment, score, emotions, themes, stars).",
    ),
) -> Any:
    from cxm.text.search import search_terms

    db = request.app.state.db
    words, unread = (
        await run_in_threadpool(search_terms, db, client.organization_id, q) if q else (None, ())
    )
    f = VoiceFilter(
        kind=kind, category=category, language=language, sentiment=sentiment, emotion=emotion,
        page=page, theme=theme, words=words, unread_hits=unread,
        channel=channel, stage=stage, store=store, period=period, nps_group=nps_group,
        rating=rating,
    )  # fmt: skip
    if format != "json":
        return await voice_file(request.app.state.analytics, client.organization_id, f, format)
    found = await run_in_threadpool(
        load_voice, request.app.state.analytics, client.organization_id, f
    )
    read = await run_in_threadpool(
        aspects_for, db, client.organization_id, [c.id for c in found.comments]
    )
    stored = await run_in_threadpool(
        readings_for, db, client.organization_id, [c.id for c in found.comments]
    )
    return found.as_json(read, stored)


async def voice_file(analytics: Any, org_id: int, f: VoiceFilter, fmt: str) -> Response:
    """Every comment the filter keeps as a CSV or Excel download (the API's and the page's)."""
    from cxm.analytics.explorer_api import MEDIA
    from cxm.analytics.voice import all_comments
    from cxm.analytics.voice_export import export_comments

    body = await run_in_threadpool(lambda: export_comments(all_comments(analytics, org_id, f), fmt))
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="comments.{fmt}"'},
    )
