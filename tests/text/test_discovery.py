"""Theme discovery on the small demo world: the packaging complaints planted in its last
months come out as one cluster, and promoting it puts them in the taxonomy."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import get_settings
from cxm.demo import truths as T
from cxm.demo.texts import DAMAGED_PACKAGING
from cxm.feedback.models import Feedback
from cxm.text.discovery import Uncovered, discover
from cxm.text.enrichment import enrich_pending, load_model, model_path
from cxm.text.theme_store import evidence_for, promote, read_pending_themes, uncovered
from tests.worlds import World

FRAGMENTS = {f for lang in DAMAGED_PACKAGING.values() for group in lang for f in group if f}


def packaging(text: str) -> bool:
    return any(f in text for f in FRAGMENTS)


@pytest.fixture
def world(small_world: World, tmp_path: Path) -> tuple[Database, int]:
    """A read copy of the small demo world (the shared one stays untouched)."""
    copy = small_world.copy_to(tmp_path / "world.sqlite3")
    db = Database(copy)
    org = small_world.summary.organization_id
    enrich_pending(db, org, load_model(model_path(None, org)))
    read_pending_themes(db, org)
    return db, org


def test_the_planted_packaging_topic_is_one_cluster_and_can_be_promoted(
    world: tuple[Database, int],
) -> None:
    db, org = world
    with db.engine.connect() as conn:
        texts = dict(conn.execute(select(Feedback.id, Feedback.text)).all())
        dated = conn.execute(select(Feedback.text, Feedback.occurred_at)).all()
    first = min(at for t, at in dated if packaging(t))
    planted = {i for i, t in texts.items() if packaging(t)}
    assert len(planted) >= 20
    assert first.date() >= T.EMERGING_TOPIC.start  # it is new: only in the last months
    clusters = discover(uncovered(db, org))
    assert clusters, "nothing discovered"
    best = max(clusters, key=lambda c: len(planted & set(c.ids)))
    hits = planted & set(best.ids)
    assert len(hits) / best.size >= 0.8  # mostly that topic
    assert len(hits) / len(planted) >= 0.6  # and most of it in one cluster
    assert sum(1 for c in clusters if len(planted & set(c.ids)) >= 0.2 * len(planted)) == 1
    assert {"упаковка", "коробка", "скотч", "посилка"} & set(best.terms[:6])
    # Named by words its comments use (no cut stems), keywords readable in the promote form.
    said = {w for i in best.ids for w in re.findall(r"\w+", texts[i].lower())}
    assert all(word in said for word in best.name.split(" · ")), best.name
    assert "\\u" not in best.keywords_json and json.loads(best.keywords_json) == best.keywords
    taxonomy = promote(db, org, "packaging", "damaged", "Damaged packaging", best.keywords)
    assert "packaging/damaged" in taxonomy.theme_keys()
    with pytest.raises(ValidationError) as twice:
        promote(db, org, "packaging", "damaged", "Again", best.keywords)
    assert twice.value.faults[0].field == "subtheme"
    read_pending_themes(db, org)
    found = evidence_for(db, org, sorted(planted))
    covered = [i for i in planted if "packaging/damaged" in found[i]["themes"]]
    assert len(covered) / len(planted) >= 0.6
    after = discover(uncovered(db, org))
    assert all(len(planted & set(c.ids)) < 0.2 * len(planted) for c in after)


def _item(n: int, text: str) -> Uncovered:
    return Uncovered(n, text, " " + text + " ", "uk", datetime(2026, 9, 1, tzinfo=UTC) +
                     timedelta(days=n % 30))  # fmt: skip


def test_too_few_or_empty_comments_give_no_clusters() -> None:
    assert discover([]) == []
    assert discover([_item(i, "коробка пом'ята") for i in range(5)]) == []
    assert discover([_item(i, "") for i in range(50)]) == []


def test_discover_and_promote_from_the_command_line(
    world: tuple[Database, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, org = world
    monkeypatch.setenv("CXM_DATABASE_URL", str(db.engine.url))
    get_settings.cache_clear()
    runner = CliRunner()
    listed = runner.invoke(main, ["text", "discover"])
    assert listed.exit_code == 0, listed.output
    assert " 1. " in listed.output
    missing = runner.invoke(main, ["text", "promote", "99", "--theme", "packaging",
                                   "--subtheme", "damaged", "--name", "Damaged"])  # fmt: skip
    assert missing.exit_code != 0 and "no cluster 99" in missing.output
    bad = runner.invoke(main, ["text", "promote", "1", "--theme", "Packaging!",
                               "--subtheme", "damaged", "--name", "Damaged"])  # fmt: skip
    assert bad.exit_code != 0 and ".key" in bad.output
    done = runner.invoke(main, ["text", "promote", "1", "--theme", "packaging",
                                "--subtheme", "damaged", "--name", "Damaged"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "packaging/damaged" in runner.invoke(main, ["text", "taxonomy", "show"]).output
    get_settings.cache_clear()


def test_discovered_themes_are_reused_until_new_data_or_a_new_taxonomy(
    world: tuple[Database, int], tmp_path: Path
) -> None:
    from cxm.analytics.backend import Analytics
    from cxm.core.settings import Settings
    from cxm.feedback.service import ingest_feedback
    from cxm.text.theme_store import discovered

    db, org = world
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        first = discovered(analytics, db, org)
        assert first and [c.ids for c in first] == [c.ids for c in discover(uncovered(db, org))]
        assert discovered(analytics, db, org) is first  # nothing new: not clustered again
        assert discovered(analytics, db, org, include_positive=True) is not first
        # New comments, once read, are clustered again with the others.
        ingest_feedback(db, org, [{"kind": "complaint", "occurred_at": "2026-11-20T10:00:00Z",
                                   "text": "Коробка прийшла пом'ята, скотч розірваний"}
                                  for _ in range(3)])  # fmt: skip
        enrich_pending(db, org, load_model(model_path(None, org)))
        read_pending_themes(db, org)
        second = discovered(analytics, db, org)
        assert second is not first
        fresh = discover(uncovered(db, org))
        assert [c.ids for c in second] == [c.ids for c in fresh] != [c.ids for c in first]
        assert discovered(analytics, db, org) is second
        best = max(second, key=lambda c: c.size)
        promote(db, org, "packaging", "damaged", "Damaged packaging", best.keywords)
        assert discovered(analytics, db, org) is not second  # a new taxonomy version
    finally:
        analytics.close()
