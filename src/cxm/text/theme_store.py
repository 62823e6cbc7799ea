"""Storing taxonomies and theme readings: the newest taxonomy is in use, readings per version.

Reading themes skips what the current taxonomy has already read, so it can run again (and in
several workers at once) without doing anything twice; an edited taxonomy is a new version,
so every text is read again and old readings stay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select

from cxm.core.bulk import insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import Fault, ValidationError
from cxm.feedback.models import Feedback
from cxm.text.default_taxonomy import DEFAULT_TAXONOMY
from cxm.text.discovery import Cluster, Uncovered
from cxm.text.language import detect
from cxm.text.lemmas import lemmatizer_version
from cxm.text.taxonomy import Taxonomy, parse_taxonomy
from cxm.text.theme_models import TaxonomyVersion, ThemeReading
from cxm.text.themes import read_themes

if TYPE_CHECKING:
    from cxm.analytics.backend import Analytics

BATCH = 2_000


def current_taxonomy(conn: Connection, org_id: int) -> Taxonomy:
    """The organization's newest saved taxonomy, or the default one."""
    tv = table(TaxonomyVersion)
    row = conn.execute(
        select(tv.c.definition)
        .where(tv.c.organization_id == org_id)
        .order_by(tv.c.id.desc())
        .limit(1)
    ).first()
    return parse_taxonomy(row[0] if row else DEFAULT_TAXONOMY)


def load_taxonomy(db: Database, org_id: int) -> Taxonomy:
    with db.engine.connect() as conn:
        return current_taxonomy(conn, org_id)


def save_taxonomy(db: Database, org_id: int, definition: Any, note: str = "") -> Taxonomy:
    """Validate and store a new version (nothing is written when it equals the current one)."""
    taxonomy = parse_taxonomy(definition)
    with db.writer() as conn:
        if current_taxonomy(conn, org_id).version != taxonomy.version:
            conn.execute(
                table(TaxonomyVersion).insert(),
                {"organization_id": org_id, "version": taxonomy.version,
                 "definition": taxonomy.as_dict(), "note": note[:200],
                 "created_at": datetime.now(UTC)},
            )  # fmt: skip
    return taxonomy


def _unread(org_id: int, version: str) -> Any:
    fb, th = table(Feedback), table(ThemeReading)
    done = and_(th.c.feedback_id == fb.c.id, th.c.taxonomy_version == version)
    return fb.outerjoin(th, done), and_(fb.c.organization_id == org_id, th.c.id.is_(None))


def theme_backlog(db: Database, org_id: int) -> int:
    taxonomy = load_taxonomy(db, org_id)
    joined, where = _unread(org_id, taxonomy.version)
    with db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one())


def read_pending_themes(
    db: Database,
    org_id: int,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Read themes and lemmas of the feedback the current taxonomy has not read; how many."""
    taxonomy = load_taxonomy(db, org_id)
    fb = table(Feedback)
    joined, where = _unread(org_id, taxonomy.version)
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        with db.engine.connect() as conn:
            todo = conn.execute(
                select(fb.c.id, fb.c.text, fb.c.language)
                .select_from(joined)
                .where(where)
                .order_by(fb.c.id)
                .limit(size)
            ).all()
        if not todo:
            break
        now, lemmatizer = datetime.now(UTC), lemmatizer_version()
        rows = []
        for fid, text, language in todo:
            reading = read_themes(str(text), language or detect(str(text))[0], taxonomy)
            rows.append(
                {"organization_id": org_id, "feedback_id": int(fid),
                 "taxonomy_version": taxonomy.version, "lemmatizer": lemmatizer,
                 "language": reading.language, "lemmas": reading.lemmas,
                 "themes": " " + " ".join(reading.themes) + " " if reading.themes else " ",
                 "evidence": {k: [list(s) for s in v] for k, v in reading.evidence.items()},
                 "created_at": now}
            )  # fmt: skip
        with db.writer() as conn:
            mark = change_mark(conn)
            for row in rows:
                row["sync_mark"] = mark
            insert_rows(conn, table(ThemeReading), rows, ("feedback_id", "taxonomy_version"))
        done += len(todo)
        if progress:
            progress(done)
    return done


def newest_readings(conn: Connection, org_id: int) -> Any:
    """A subquery of the id of each feedback item's newest theme reading."""
    th = table(ThemeReading)
    return (
        select(func.max(th.c.id).label("id"))
        .where(th.c.organization_id == org_id)
        .group_by(th.c.feedback_id)
        .subquery()
    )


def evidence_for(db: Database, org_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Themes and their character spans of the newest reading of each given feedback item."""
    if not ids:
        return {}
    th = table(ThemeReading)
    with db.engine.connect() as conn:
        newest = newest_readings(conn, org_id)
        rows = conn.execute(
            select(th.c.feedback_id, th.c.themes, th.c.evidence)
            .join(newest, newest.c.id == th.c.id)
            .where(th.c.feedback_id.in_(ids))
        ).all()
    return {int(f): {"themes": t.split(), "evidence": e} for f, t, e in rows}


def uncovered(
    db: Database,
    org_id: int,
    since: datetime | None = None,
    include_positive: bool = False,
    limit: int = 20_000,
) -> list[Uncovered]:
    """The newest comments (at most ``limit``) whose newest reading has no taxonomy theme;
    without ``include_positive``, those the newest sentiment reading calls positive are left
    out (discovery looks for problems)."""
    from cxm.text.models import Enrichment

    fb, th, en = table(Feedback), table(ThemeReading), table(Enrichment)
    with db.engine.connect() as conn:
        newest = newest_readings(conn, org_id)
        q = (
            select(fb.c.id, fb.c.text, th.c.lemmas, th.c.language, fb.c.occurred_at)
            .join(th, th.c.feedback_id == fb.c.id)
            .join(newest, newest.c.id == th.c.id)
            .where(fb.c.organization_id == org_id, th.c.themes == " ")
        )
        if since is not None:
            q = q.where(fb.c.occurred_at >= since)
        if not include_positive:
            read = (
                select(func.max(en.c.id).label("id"))
                .where(en.c.organization_id == org_id)
                .group_by(en.c.feedback_id)
                .subquery()
            )
            positive = (
                select(en.c.feedback_id)
                .join(read, read.c.id == en.c.id)
                .where(en.c.sentiment == "positive")
            )
            q = q.where(fb.c.id.not_in(positive))
        rows = conn.execute(q.order_by(fb.c.occurred_at.desc()).limit(limit)).all()
    return [Uncovered(int(i), str(t), str(lm), str(lg), at) for i, t, lm, lg, at in rows]


def promote(
    db: Database,
    org_id: int,
    theme: str,
    subtheme: str,
    name: str,
    keywords: dict[str, list[str]],
    theme_name: str | None = None,
) -> Taxonomy:
    """Add a discovered theme to the taxonomy as ``theme/subtheme`` (a new theme when
    ``theme`` is not one yet); refused with the field at fault."""
    definition = load_taxonomy(db, org_id).as_dict()
    sub = {"key": subtheme, "names": {"en": name}, "keywords": keywords, "examples": {}}
    found = next((t for t in definition["themes"] if t["key"] == theme), None)
    if found is None:
        definition["themes"].append(
            {"key": theme, "names": {"en": theme_name or name}, "subthemes": [sub]}
        )
    elif any(s["key"] == subtheme for s in found["subthemes"]):
        raise ValidationError(
            f"{theme}/{subtheme} is already in the taxonomy",
            [Fault("a sub-theme key not used in this theme yet", "subtheme")],
        )
    else:
        found["subthemes"].append(sub)
    return save_taxonomy(db, org_id, definition, note=f"promoted {theme}/{subtheme}")


def discovered(
    analytics: Analytics,
    db: Database,
    org_id: int,
    since: datetime | None = None,
    include_positive: bool = False,
) -> list[Cluster]:
    """Discovered themes (see ``cxm.text.discovery``), reused until a sync of the analytics
    store brings a change (a new comment, enrichment or theme reading) or the taxonomy
    changes: clustering thousands of comments takes seconds, reading them back does not."""
    from cxm.text.discovery import discover

    version = load_taxonomy(db, org_id).version
    key = ("discovered", org_id, version, since, include_positive)
    return analytics.cached(key, lambda: discover(uncovered(db, org_id, since, include_positive)))
