"""The friction list narrowed to one customer segment: every section counts only that
segment's customers, on the API and the page too."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from cxm.analytics.backend import Analytics
from cxm.analytics.friction import FrictionQuery, friction
from cxm.analytics.order_facts import OrderQuery, order_facts
from cxm.core.settings import Settings
from cxm.web.app import create_app
from tests.factories import api_key
from tests.worlds import World


def test_each_friction_section_counts_one_segment(small_world: World, tmp_path: Path) -> None:
    org = small_world.summary.organization_id
    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    try:
        with analytics.fresh() as con:
            facts = order_facts(con, org, OrderQuery()).filter(pl.col("delivery"))
            biggest = str(facts.group_by("segment").len().sort("len", descending=True)[0, 0])
            everyone = friction(con, org, FrictionQuery())
            one = friction(con, org, FrictionQuery(segment=biggest))
            nobody = friction(con, org, FrictionQuery(segment="no-such-segment"))
    finally:
        analytics.close()
    late = next(p for p in one.points if p.name == "late")
    own_late = facts.filter(pl.col("late") & (pl.col("segment") == biggest))
    assert late.customers == own_late["person"].n_unique()
    assert late.orders == own_late.height
    assert late.customers < next(p for p in everyone.points if p.name == "late").customers
    assert 0 < one.respondents < everyone.respondents
    attempts = sum(s.attempts for s in one.drop_offs.steps)
    assert 0 < attempts < sum(s.attempts for s in everyone.drop_offs.steps)
    assert one.effort.respondents < everyone.effort.respondents
    assert nobody.respondents == 0 and nobody.message
    assert not any(s.attempts for s in nobody.drop_offs.steps)
    assert nobody.effort.points == []
    with TestClient(create_app(Settings(data_dir=tmp_path), small_world.db)) as client:
        headers = {"Authorization": f"Bearer {api_key(small_world.db, org)}"}
        body = client.get(
            "/api/v1/analytics/friction", params={"segment": biggest}, headers=headers
        ).json()
        assert body["respondents"] == one.respondents
        url = next(p["evidence_url"] for p in body["points"] if p["name"] == "late")
        assert f"segment={biggest}" in url
        evidence = client.get(url, headers=headers).json()
        assert evidence["orders"] == own_late.height
