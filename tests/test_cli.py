"""The `cxm` command: migrate, users, API keys and sync, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxm.cli import main
from cxm.core.settings import get_settings


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CXM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    return CliRunner()


def test_help_lists_the_commands(runner: CliRunner) -> None:
    out = runner.invoke(main, ["--help"]).output
    for name in ("demo", "serve", "migrate", "sync", "user", "apikey"):
        assert name in out


def test_apikey_needs_an_existing_organization(runner: CliRunner) -> None:
    result = runner.invoke(main, ["apikey", "create", "shop", "--org", "nobody"])
    assert result.exit_code != 0
    assert "No organization 'nobody'" in result.output


def test_user_add_apikey_create_and_revoke(runner: CliRunner, tmp_path: Path) -> None:
    from cxm.core.auth import get_or_create_organization
    from cxm.core.db import Database

    assert runner.invoke(main, ["migrate"]).exit_code == 0
    db = Database(f"sqlite:///{tmp_path / 'data' / 'cxm.sqlite3'}")
    with db.session() as s:
        get_or_create_organization(s, "demo", "Demo")
    db.dispose()
    added = runner.invoke(main, ["user", "add", "Olena@Example.com", "--password", "s3cret-pass"])
    assert added.exit_code == 0, added.output
    assert "olena@example.com" in added.output
    again = runner.invoke(main, ["user", "add", "olena@example.com", "--password", "s3cret-pass"])
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(main, ["user", "add", "x@example.com", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output
    created = runner.invoke(main, ["apikey", "create", "shop", "--json"])
    issued = json.loads(created.stdout)
    assert issued["key"].startswith("cxm_")
    revoked = runner.invoke(main, ["apikey", "revoke", str(issued["id"])])
    assert revoked.exit_code == 0
    synced = runner.invoke(main, ["sync", "--json"])
    assert synced.exit_code == 0
    assert json.loads(synced.stdout)["rows"]["organization"] == 1


def test_demo_builds_the_small_world_and_kpis_read_it(runner: CliRunner) -> None:
    built = runner.invoke(main, ["demo", "--size", "small", "--no-serve"])
    assert built.exit_code == 0, built.output
    again = runner.invoke(main, ["demo", "--size", "small", "--no-serve"])
    assert again.exit_code == 0 and "reusing it" in again.output
    figures = json.loads(runner.invoke(main, ["kpi", "nps", "--json"]).stdout)
    assert figures[0]["period"] == "2026-10" and figures[0]["n"] > 30
    by_store = runner.invoke(main, ["kpi", "nps", "--by", "store", "--period", "2026-09"])
    assert by_store.exit_code == 0 and "KYIV-2" in by_store.output
    bad = runner.invoke(main, ["kpi", "nps", "--period", "Sept"])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    edges = json.loads(runner.invoke(main, ["journeys", "dfg", "--json"]).stdout)
    assert {(e["source"], e["target"]) for e in edges} >= {
        ("web_cart", "web_checkout"),
        ("web_order", "shipped"),
    }
    store = runner.invoke(main, ["journeys", "variants", "--store", "KYIV-2", "--top", "3"])
    assert store.exit_code == 0 and "store_purchase" in store.output
