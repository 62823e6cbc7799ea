"""`cxm text taxonomy` and `cxm text enrich` with themes, run as a user would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.auth import get_or_create_organization
from cxm.core.db import Database
from cxm.core.settings import get_settings
from cxm.feedback.service import ingest_feedback
from cxm.text.theme_store import evidence_for


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Database]]:
    yield from cli_store(tmp_path, monkeypatch)


def cli_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[CliRunner, Database]]:
    """A migrated SQLite store in ``tmp_path``/data with organization acme, for the CLI."""
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CXM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    db = Database(f"sqlite:///{tmp_path / 'data' / 'cxm.sqlite3'}")
    with db.session() as s:
        get_or_create_organization(s, "acme", "Acme")
    yield runner, db
    db.dispose()
    get_settings.cache_clear()


def test_taxonomy_show_set_and_enrich(store: tuple[CliRunner, Database], tmp_path: Path) -> None:
    runner, db = store
    shown = runner.invoke(main, ["text", "taxonomy", "show", "--org", "acme", "--json"])
    definition = json.loads(shown.output)
    assert "delivery" in [t["key"] for t in definition["themes"]]
    definition["themes"][0]["subthemes"][0]["keywords"] = {"en": []}
    definition["themes"][0]["subthemes"][0]["examples"] = {}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(definition), encoding="utf-8")
    refused = runner.invoke(main, ["text", "taxonomy", "set", str(bad), "--org", "acme"])
    assert refused.exit_code != 0 and "themes[0].subthemes[0].keywords" in refused.output
    ingest_feedback(db, 1, [{"kind": "complaint", "text": "Кур'єр нагрубив, посилка запізнилася",
                             "occurred_at": "2026-09-01T10:00:00Z"}])  # fmt: skip
    done = runner.invoke(main, ["text", "enrich", "--org", "acme"])
    assert done.exit_code == 0, done.output
    assert "read themes of 1" in done.output
    assert evidence_for(db, 1, [1])[1]["themes"] == [
        "delivery", "delivery/courier", "delivery/late"
    ]  # fmt: skip
