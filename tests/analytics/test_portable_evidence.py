"""Theme drivers and the evidence behind friction points, portable: the Ibis forms equal the
embedded SQL by hand and on the demo world (its comments read for themes and sentiment)
through DuckDB, and on PySpark local mode through the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from cxm.analytics.backend import Analytics
from cxm.analytics.drivers import DriverQuery, analyse
from cxm.analytics.friction import FrictionQuery
from cxm.analytics.friction_evidence import SHOWN, friction_evidence
from cxm.analytics.portable_orders import PORTABLE
from cxm.analytics.spark import export_parquet
from cxm.core.db import Database
from cxm.core.settings import Settings
from cxm.text.theme_store import read_pending_themes
from tests.analytics.engines import need_spark, same_figures, spark_cli
from tests.analytics.test_drivers import _world
from tests.analytics.test_theme_drivers import _comments
from tests.worlds import World


@pytest.fixture(scope="module")
def read_world(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A copy of the small demo world with its comments read for themes and sentiment."""
    from cxm.text.enrichment import enrich_pending, load_model, model_path

    copy = small_world.copy_to(tmp_path_factory.mktemp("read") / "world.sqlite3")
    db = Database(copy)
    org = small_world.summary.organization_id
    read_pending_themes(db, org)
    enrich_pending(db, org, load_model(model_path(None, org)))
    yield db, org
    db.dispose()


# The demo's comments are about late parcels (delivery/late), repeated contacts and staff.
THEMES = (
    DriverQuery(
        drivers=("late", "contact_loop", "theme:delivery/late", "theme:contact_centre"),
        bootstrap=20,
    ),
    DriverQuery(  # few wrote about staff or products, nobody about stores: skipped alike
        drivers=("returned", "theme:staff/help", "theme:product", "theme:store"),
        bootstrap=0,
        delivered_only=False,
    ),
    DriverQuery(drivers=("late", "theme:delivery"), bootstrap=0, channel="web"),
)


def test_portable_theme_drivers_equal_the_embedded_ones(
    read_world: Any, db: Database, tmp_path: Path
) -> None:
    world, org = read_world
    analytics = Analytics(world, Settings(data_dir=tmp_path / "demo"))
    try:
        with analytics.fresh() as con:
            for q in THEMES:
                embedded = analyse(con, org, q)
                assert embedded.message is None and embedded.drivers
                same_figures(asdict(analyse(con, org, q, PORTABLE)), asdict(embedded), "themes")
            late = {d.name: d for d in analyse(con, org, THEMES[0]).drivers}
            assert late["theme:delivery/late"].respondents_with >= 20
    finally:
        analytics.close()
    # By hand: comments naming an order and comments naming none (the customer's orders).
    hand = _world(db)
    _comments(db, hand)
    analytics = Analytics(db, Settings(data_dir=tmp_path / "hand"))
    pairs_of = (("delayed", "theme:delivery/late"), ("theme:delivery",))
    queries = [DriverQuery(drivers=drivers, bootstrap=0) for drivers in pairs_of]
    try:
        with analytics.fresh() as con:
            pairs = [(analyse(con, hand, q), analyse(con, hand, q, PORTABLE)) for q in queries]
    finally:
        analytics.close()
    for embedded, portable in pairs:
        assert [d.respondents_with for d in portable.drivers if d.name != "delayed"] == [30]
        same_figures(asdict(portable), asdict(embedded), "themes by hand")


# Late and contact loops, a touchpoint, and the stage whose comments are the most negative.
NAMES = ("late", "contact_loop", "delay_notice", "emotion:after_sales")
FILTERS = (
    FrictionQuery(),
    FrictionQuery(first="web_product"),
    FrictionQuery(outcome="detractor"),
    FrictionQuery(channel="web", first="web_product", outcome="detractor"),
)


def test_portable_evidence_equals_the_embedded_one(read_world: Any, tmp_path: Path) -> None:
    world, org = read_world
    analytics = Analytics(world, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            found = {}
            for i, q in enumerate(FILTERS):
                for name in NAMES:
                    embedded = friction_evidence(con, org, q, name)
                    portable = friction_evidence(con, org, q, name, PORTABLE)
                    same_figures(asdict(portable), asdict(embedded), f"{name} {i}")
                    found[name, i] = embedded
            gap = FrictionQuery(first="web_product", gap_days=3)  # shorter journeys
            for name in NAMES:
                embedded = friction_evidence(con, org, gap, name)
                portable = friction_evidence(con, org, gap, name, PORTABLE)
                same_figures(asdict(portable), asdict(embedded), f"{name} gap")
    finally:
        analytics.close()
    for name in NAMES:
        every, first, detractors, narrow = (found[name, i] for i in range(len(FILTERS)))
        assert every.orders > first.orders > narrow.orders > 0, name
        assert every.customers > detractors.customers >= narrow.customers > 0, name
        assert every.comments and narrow.comments and every.message is None, name
        assert set(narrow.customer_ids) <= set(first.customer_ids) & set(detractors.customer_ids)
    late = found["late", 0]
    # More comments than are listed: the engine's first SHOWN equal the embedded ones.
    assert late.comments > SHOWN == len(late.shown_comments)
    assert all(c.sentiment for c in late.shown_comments)
    assert found["emotion:after_sales", 0].responses == 0
    assert {c.sentiment for c in found["emotion:after_sales", 0].shown_comments} == {"negative"}


# Spark's evidence (each call builds the order facts: a few seconds): names with filters.
ON_SPARK: tuple[tuple[str, FrictionQuery, list[str]], ...] = (
    ("late", FrictionQuery(), []),
    ("contact_loop", FrictionQuery(first="web_product", outcome="detractor"),
     ["--first", "web_product", "--outcome", "detractor"]),
    ("emotion:after_sales", FrictionQuery(first="web_product", outcome="detractor", gap_days=3),
     ["--first", "web_product", "--outcome", "detractor", "--gap-days", "3"]),
)  # fmt: skip


@pytest.mark.spark
def test_pyspark_theme_drivers_and_evidence_equal_duckdb(read_world: Any, tmp_path: Path) -> None:
    need_spark()
    world, org = read_world
    analytics = Analytics(world, Settings(data_dir=tmp_path / "duck"))
    try:
        export_parquet(analytics, tmp_path / "parquet")
        with analytics.fresh() as con:
            themes = analyse(con, org, THEMES[0])
            evidence = [friction_evidence(con, org, q, name) for name, q, _ in ON_SPARK]
    finally:
        analytics.close()
    base = ["--org-id", str(org), "--master", "local[2]"]
    # Spark runs in its own process, through the CLI a data team would use.
    drivers = [a for d in THEMES[0].drivers for a in ("--driver", d)]
    got = spark_cli(tmp_path / "parquet", [*base, *drivers, "--bootstrap", "20"], "drivers")
    same_figures(got, asdict(themes), "theme drivers")
    for (name, _, options), duck in zip(ON_SPARK, evidence, strict=True):
        assert duck.orders and duck.comments, name
        got = spark_cli(tmp_path / "parquet", [*base, "--name", name, *options], "evidence")
        same_figures(got, asdict(duck), name)
