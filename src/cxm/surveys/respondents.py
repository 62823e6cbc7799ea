"""Who is answering: a respondent from an anonymous or a personal link, and the page due next."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cxm.core.db import Database
from cxm.core.errors import NotFound
from cxm.core.models import Organization
from cxm.ingest.models import Location
from cxm.surveys.answering import next_page, values_from_rows
from cxm.surveys.links import LinkProblem, link_state
from cxm.surveys.models import Response
from cxm.surveys.responses import Progress, Respondent, progress
from cxm.surveys.service import definition_of, live_version


def anonymous(db: Database, org_slug: str, code: str, query: dict[str, str]) -> Respondent:
    """A respondent of a live survey's anonymous link; ``query`` holds its hidden fields."""
    with db.session() as s:
        org_id = s.scalar(select(Organization.id).where(Organization.slug == org_slug))
    if org_id is None:
        raise NotFound("No such survey.")
    survey, version, d = live_version(db, int(org_id), code)
    if survey.status != "live":
        raise NotFound("No such survey.")
    # store and channel always travel: a counter QR code names its store.
    hidden = {k: v[:200] for k, v in query.items() if k in d.hidden or k in ("store", "channel")}
    location = None
    if hidden.get("store"):
        with db.session() as s:
            location = s.scalar(
                select(Location.id).where(
                    Location.organization_id == org_id, Location.code == hidden["store"]
                )
            )
    return Respondent(int(org_id), survey.id, version.id, d, d.languages[0],
                      hidden=hidden, location_id=location)  # fmt: skip


def store_of(r: Respondent) -> str:
    """The store an anonymous respondent's link names, when it is a known location, else ""."""
    return r.hidden.get("store", "") if r.location_id is not None else ""


def personal(db: Database, secret: str, token: str) -> Respondent:
    """The respondent of a personal link, with its response so far; LinkProblem when it
    cannot be answered (unknown, expired or used)."""
    state = link_state(db, secret, token)
    if state.survey_status == "closed":
        raise LinkProblem("unknown")
    d = definition_of(db, state.version_id)
    link = state.link
    known = Progress(state.response_id, "partial" if state.response_id else None,
                     state.next_page, values_from_rows(d, state.answers))  # fmt: skip
    return Respondent(link.organization_id, link.survey_id, state.version_id, d,
                      link.language or "", link=link, response_id=state.response_id,
                      known=known)  # fmt: skip


def due_page(db: Database, r: Respondent) -> tuple[int | None, Any]:
    """The index of the page the respondent answers next (None: complete) and the progress."""
    state = r.known or progress(db, r.response_id, r.definition)
    if state.status == "complete":
        return None, state
    if state.next_page:
        return r.definition.page_index(state.next_page), state
    return next_page(r.definition, None, state.values), state


def language_of(db: Database, response_id: int | None) -> str | None:
    """The language a response was being answered in, if it was begun."""
    if response_id is None:
        return None
    with db.session() as s:
        found = s.scalar(select(Response.language).where(Response.id == response_id))
    return str(found) if found else None
