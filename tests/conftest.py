"""Shared fixtures: a migrated store on SQLite and (marker `postgres`) on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cxm.core.db import Database
from cxm.core.schema import upgrade
from cxm.demo.world import generate
from tests.worlds import SEED, World

# Pages answer once their figures are ready (tests check the figures); the progress page that
# stands in for slow figures has tests of its own (tests/web/test_progress.py).
os.environ["CXM_PAGE_WAIT_SECONDS"] = "300"

PG_URL = os.environ.get(
    "CXM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PG_REQUIRED = os.environ.get("CXM_TEST_POSTGRES") == "1"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any("postgres" in item.keywords for item in items):
        return
    problem = _postgres_reachable()
    if problem is None:
        return
    if PG_REQUIRED:
        raise pytest.UsageError(f"CXM_TEST_POSTGRES=1 but PostgreSQL at {PG_URL} fails: {problem}")
    skip = pytest.mark.skip(
        reason=f"PostgreSQL not reachable ({problem}); start it or set CXM_TEST_POSTGRES_URL"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    """A fresh schema in the test database, dropped afterwards."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(url.render_as_string(hide_password=False))
    upgrade(db.engine)
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The store on each supported database."""
    name = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The small demo world (seed 3) in SQLite, shared by the whole run; tests only read it."""
    path = tmp_path_factory.mktemp("demo") / "store.sqlite3"
    world_db = Database(f"sqlite:///{path}")
    upgrade(world_db.engine)
    summary = generate(world_db, "small", seed=SEED)
    yield World(world_db, summary)
    world_db.dispose()
