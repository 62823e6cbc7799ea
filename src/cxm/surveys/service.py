"""Surveys and their versions: import (cxm or SurveyJS JSON), export, list; edits add versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxm.core.db import Database
from cxm.core.errors import Fault, NotFound, ValidationError
from cxm.surveys.checks import parse_definition
from cxm.surveys.definition import Definition
from cxm.surveys.models import SURVEY_KINDS, Response, Survey, SurveyVersion
from cxm.surveys.surveyjs import from_surveyjs, is_surveyjs

CODE_PATTERN = r"^[a-z0-9][a-z0-9\-_]{0,63}$"


class SurveyDocument(BaseModel):
    """A survey as imported and exported: its code, name, kind and definition."""

    code: str = Field(pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["relationship", "transactional", "employee"] = "transactional"
    status: Literal["draft", "live", "closed"] = "live"
    version: int | None = None
    definition: dict[str, Any]


class SurveySummary(BaseModel):
    code: str
    name: str
    kind: str
    status: str
    version: int
    responses: int
    changed: bool = False


def document_of(raw: object, code: str | None = None, name: str | None = None) -> SurveyDocument:
    """A validated document from a cxm document, a bare definition or a SurveyJS definition."""
    if not isinstance(raw, dict):
        raise ValidationError("A survey is a JSON object.", [Fault("not a JSON object", "$")])
    if "definition" not in raw:
        title = raw.get("title")
        guessed = title.get("default") or title.get("en") if isinstance(title, dict) else title
        raw = {"code": code, "name": name or guessed or code, "definition": raw}
    else:
        raw = {**raw, **({"code": code} if code else {}), **({"name": name} if name else {})}
    definition = raw.get("definition")
    if isinstance(definition, dict) and is_surveyjs(definition):
        raw = {**raw, "definition": from_surveyjs(definition)}
    try:
        doc = SurveyDocument.model_validate(raw)
    except PydanticError as exc:
        faults = [
            Fault(e["msg"], ".".join(str(p) for p in e["loc"]) or None)
            for e in exc.errors(include_url=False)
            if e["loc"][:1] != ("definition",)
        ]
        if faults:
            raise ValidationError("The survey is not valid.", faults) from exc
        raise
    parsed = parse_definition(doc.definition)
    doc.definition = parsed.model_dump(mode="json", exclude_none=True)
    return doc


def _latest(s: Session, survey_id: int) -> SurveyVersion | None:
    return s.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc())
        .limit(1)
    ).first()


def _survey(s: Session, org_id: int, code: str) -> Survey:
    survey = s.scalars(
        select(Survey).where(Survey.organization_id == org_id, Survey.code == code)
    ).first()
    if survey is None:
        raise NotFound(f"No survey {code!r}.")
    return survey


def _responses(s: Session, survey_id: int) -> int:
    return int(
        s.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey_id))
        or 0
    )


def save_survey(
    db: Database, org_id: int, doc: SurveyDocument, now: datetime | None = None
) -> SurveySummary:
    """Create the survey or, when its definition changed, add a version (responses keep theirs)."""
    now = now or datetime.now(UTC)
    assert doc.kind in SURVEY_KINDS
    # Inside the write lock from the start: a read-then-write session on SQLite fails when
    # another writer (the job worker, say) commits between its read and its first write.
    with db.writer() as conn, Session(bind=conn) as s:
        survey = s.scalars(
            select(Survey).where(Survey.organization_id == org_id, Survey.code == doc.code)
        ).first()
        if survey is None:
            survey = Survey(organization_id=org_id, code=doc.code, name=doc.name, kind=doc.kind,
                            status=doc.status)  # fmt: skip
            s.add(survey)
            s.flush()
        else:
            survey.name, survey.kind, survey.status = doc.name, doc.kind, doc.status
        latest = _latest(s, survey.id)
        changed = latest is None or normalised(latest.definition) != doc.definition
        if changed:
            latest = SurveyVersion(
                survey_id=survey.id,
                number=(latest.number + 1) if latest else 1,
                definition=doc.definition,
                created_at=now,
            )
            s.add(latest)
            s.flush()
        assert latest is not None
        s.flush()  # the writer commits; the session is only its unit of work
        return SurveySummary(code=survey.code, name=survey.name, kind=survey.kind,
                             status=survey.status, version=latest.number,
                             responses=_responses(s, survey.id), changed=changed)  # fmt: skip


def normalised(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored definition in today's canonical shape (older ones may use shorthands)."""
    return Definition.model_validate(definition).model_dump(mode="json", exclude_none=True)


def import_survey(
    db: Database, org_id: int, raw: object, code: str | None = None, name: str | None = None
) -> SurveySummary:
    return save_survey(db, org_id, document_of(raw, code, name))


def export_survey(
    db: Database, org_id: int, code: str, version: int | None = None
) -> SurveyDocument:
    with db.session() as s:
        survey = _survey(s, org_id, code)
        query = select(SurveyVersion).where(SurveyVersion.survey_id == survey.id)
        if version is not None:
            query = query.where(SurveyVersion.number == version)
        found = s.scalars(query.order_by(SurveyVersion.number.desc()).limit(1)).first()
        if found is None:
            raise NotFound(f"Survey {code!r} has no version {version}.")
        return SurveyDocument(code=survey.code, name=survey.name, kind=survey.kind,
                              status=survey.status, version=found.number,
                              definition=normalised(found.definition))  # fmt: skip


def list_surveys(db: Database, org_id: int) -> list[SurveySummary]:
    with db.session() as s:
        out = []
        for survey in s.scalars(
            select(Survey).where(Survey.organization_id == org_id).order_by(Survey.code)
        ):
            latest = _latest(s, survey.id)
            out.append(SurveySummary(code=survey.code, name=survey.name, kind=survey.kind,
                                     status=survey.status, version=latest.number if latest else 0,
                                     responses=_responses(s, survey.id)))  # fmt: skip
        return out


# Keyed by store too: version ids of two stores (two test databases, say) are unrelated.
_DEFINITIONS: dict[tuple[str, int], Definition] = {}
_CACHE_SIZE = 256


def definition_of(db: Database, version_id: int) -> Definition:
    """A version's parsed definition; versions never change, so each is parsed once."""
    key = (str(db.url), version_id)
    found = _DEFINITIONS.get(key)
    if found is None:
        with db.session() as s:
            version = s.get(SurveyVersion, version_id)
            if version is None:
                raise NotFound(f"No survey version {version_id}.")
            found = Definition.model_validate(version.definition)
        if len(_DEFINITIONS) >= _CACHE_SIZE:
            _DEFINITIONS.pop(next(iter(_DEFINITIONS)))
        _DEFINITIONS[key] = found
    return found


def live_version(db: Database, org_id: int, code: str) -> tuple[Survey, SurveyVersion, Definition]:
    """The survey, its newest version and that version's parsed definition."""
    with db.session() as s:
        survey = _survey(s, org_id, code)
        latest = _latest(s, survey.id)
        if latest is None:
            raise NotFound(f"Survey {code!r} has no definition yet.")
    return survey, latest, definition_of(db, latest.id)
