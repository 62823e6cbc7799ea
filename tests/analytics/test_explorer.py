"""The response explorer: filters, full text, exports of exactly the filtered rows, escaping."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from cxm.analytics.backend import Analytics
from cxm.analytics.explorer import ResponseQuery, find_responses
from cxm.analytics.explorer_export import safe_cell, to_csv
from cxm.cli import main
from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.changes import change_mark
from cxm.core.db import Database, table
from cxm.core.errors import ValidationError
from cxm.core.settings import Settings
from cxm.ingest.models import Customer
from cxm.ingest.touchpoints import add_touchpoint
from cxm.surveys.models import Answer, Response
from tests.factories import _survey, api_key, organization, store_location

INJECTION = '=HYPERLINK("http://evil.example","click")'


def answered(db: Database, slug: str = "acme") -> dict[str, Any]:
    """Four responses: (nps, csat, comment, stage, store, language, month)."""
    org = organization(db, slug)
    lviv = store_location(db, org, "LVIV-1")
    with db.writer() as conn:
        mark = change_mark(conn)
        sid, vid = _survey(conn, org, "post", mark)
        deliver = add_touchpoint(conn, org, "parcel", "Parcel delivered", "delivery", "delivery")
        buy = add_touchpoint(conn, org, "till", "Till", "store", "purchase", lviv)
        people = insert_returning_ids(
            conn,
            table(Customer),
            [{"organization_id": org, "language": "uk", "first_seen_at": datetime(2026, 1, 1,
              tzinfo=UTC), "sync_mark": mark} for _ in range(4)],
        )  # fmt: skip
        rows = [
            (2, None, "Курʼєр запізнився на три дні", deliver, None, "uk", 10),
            (10, 5, "Все чудово, дякую", buy, lviv, "uk", 10),
            (7, 4, INJECTION, buy, lviv, "en", 10),
            (0, None, "<script>alert(1)</script> курʼєр грубий", deliver, None, "ru", 9),
        ]
        ids = insert_returning_ids(
            conn,
            table(Response),
            [{"organization_id": org, "survey_id": sid, "version_id": vid,
              "channel": "delivery" if tp == deliver else "store", "touchpoint_id": tp,
              "location_id": loc, "language": lang, "customer_id": people[i],
              "status": "complete", "started_at": datetime(2026, month, 5 + i, 9, tzinfo=UTC),
              "completed_at": datetime(2026, month, 5 + i, 9, tzinfo=UTC), "sync_mark": mark}
             for i, (_n, _c, _t, tp, loc, lang, month) in enumerate(rows)],
        )  # fmt: skip
        answers = []
        for rid, (nps, csat, text, *_rest) in zip(ids, rows, strict=True):
            answers.append(("nps", "nps", float(nps), None, rid))
            if csat is not None:
                answers.append(("csat", "csat", float(csat), None, rid))
            answers.append(("comment", "text", None, text, rid))
        insert_rows(
            conn,
            table(Answer),
            [{"organization_id": org, "response_id": rid, "question": q, "kind": k, "value": v,
              "text": t, "sync_mark": mark} for q, k, v, t, rid in answers],
        )  # fmt: skip
    return {"org": org, "ids": ids, "people": people}


def _find(db: Database, tmp_path: Path, org: int, **kw: Any) -> list[int]:
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    try:
        return [r.id for r in find_responses(analytics, org, ResponseQuery(**kw)).rows]
    finally:
        analytics.close()


def test_filters_and_full_text_select_the_right_responses(db: Database, tmp_path: Path) -> None:
    w = answered(db)
    org, (a, b, c, d) = w["org"], w["ids"]
    assert _find(db, tmp_path, org) == [c, b, a, d]  # newest first
    assert _find(db, tmp_path, org, period="2026-10") == [c, b, a]
    assert _find(db, tmp_path, org, stage="delivery") == [a, d]
    assert _find(db, tmp_path, org, store="LVIV-1", language="en") == [c]
    assert _find(db, tmp_path, org, nps_group="detractor") == [a, d]
    assert _find(db, tmp_path, org, nps_group="passive") == [c]
    assert _find(db, tmp_path, org, kpi="csat", score_min=5) == [b]
    assert _find(db, tmp_path, org, score_min=1, score_max=8) == [c, a]
    assert _find(db, tmp_path, org, text="КУРʼЄР") == [a, d]  # case-insensitive, Cyrillic
    assert _find(db, tmp_path, org, text="курʼєр грубий") == [d]  # every word must occur
    assert _find(db, tmp_path, org, text="100%") == []  # % is a character, not a wildcard
    assert _find(db, tmp_path, org, customer=w["people"][1]) == [b]
    assert _find(db, tmp_path, org, survey="post,other") == [c, b, a, d]
    assert _find(db, tmp_path, org, survey="other") == []


def test_bad_filters_name_the_field(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    with pytest.raises(ValidationError) as bad:
        find_responses(analytics, org, ResponseQuery(nps_group="fans", score_max=11))
    assert {f.field for f in bad.value.faults} == {"nps_group", "score_max"}


def test_exports_hold_exactly_the_filtered_rows_and_never_a_formula(
    db: Database, tmp_path: Path
) -> None:
    w = answered(db)
    analytics = Analytics(db, Settings(data_dir=tmp_path))
    page = find_responses(analytics, w["org"], ResponseQuery(period="2026-10"), 0, None)
    rows = list(csv.DictReader(io.StringIO(to_csv(page.rows).decode("utf-8-sig"))))
    assert [int(r["response_id"]) for r in rows] == [r.id for r in page.rows]
    assert len(rows) == 3
    by_id = {int(r["response_id"]): r for r in rows}
    assert by_id[w["ids"][2]]["comment"] == "'" + INJECTION
    assert by_id[w["ids"][0]]["comment"] == "Курʼєр запізнився на три дні"
    assert by_id[w["ids"][1]]["csat"] == "5" and by_id[w["ids"][1]]["store"] == "LVIV-1"
    assert [safe_cell(v) for v in ("+1", "-2", "@x", "\tx", "ok", -3)] == [
        "'+1", "'-2", "'@x", "'\tx", "ok", -3,
    ]  # fmt: skip


def test_api_lists_and_exports_and_the_cli_writes_excel(db: Database, tmp_path: Path) -> None:
    from cxm.web.app import create_app

    w = answered(db)
    app = create_app(Settings(data_dir=tmp_path / "web", worker_threads=0), db=db)
    h = {"Authorization": f"Bearer {api_key(db, w['org'])}"}
    with TestClient(app) as client:
        got = client.get("/api/v1/responses?stage=delivery&text=курʼєр", headers=h).json()
        assert got["total"] == 2 and {r["id"] for r in got["responses"]} == {
            w["ids"][0],
            w["ids"][3],
        }
        first = got["responses"][0]
        assert first["answers"][0] == {"question": "nps", "kind": "nps", "value": 2.0,
                                       "text": None}  # fmt: skip
        bad = client.get("/api/v1/responses?nps_group=fans", headers=h)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nps_group"
        xlsx = client.get("/api/v1/responses/export?format=xlsx&period=2026-10", headers=h)
        assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert len(values) == 1 + 3 and values[0][0] == "response_id"
        assert "'" + INJECTION in values[1] + values[2] + values[3]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    if db.engine.dialect.name != "sqlite":
        return
    out = tmp_path / "delivery.xlsx"
    ran = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "cli"), "--database-url", str(db.engine.url),
         "responses", "export", "--format", "xlsx", "--stage", "delivery", "--org", "acme",
         "--out", str(out)],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert load_workbook(out).active.max_row == 1 + 2
    listed = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "cli"), "--database-url", str(db.engine.url),
         "responses", "list", "--nps-group", "passive", "--org", "acme", "--json"],
    )  # fmt: skip
    assert json.loads(listed.output)["total"] == 1


def test_outcome_and_first_touchpoint_keep_the_right_respondents(
    db: Database, tmp_path: Path
) -> None:
    w = answered(db)
    org, (a, b, c, d) = w["org"], w["ids"]
    # One answer each: 2 and 0 are detractors, 10 a promoter, 7 a passive.
    assert _find(db, tmp_path, org, outcome="detractor") == [a, d]
    assert _find(db, tmp_path, org, outcome="promoter", stage="purchase") == [b]
    assert _find(db, tmp_path, org, outcome="passive") == [c]
    # Nobody has a journey here (no events), so a first touchpoint keeps nobody.
    assert _find(db, tmp_path, org, first="till") == []
    with pytest.raises(ValidationError) as refused:
        _find(db, tmp_path, org, first="nowhere")
    assert refused.value.faults[0].field == "first"
    with pytest.raises(ValidationError) as refused:
        _find(db, tmp_path, org, outcome="happy")
    assert refused.value.faults[0].field == "outcome"


def test_first_touchpoint_on_the_demo_world_keeps_the_journeys_customers(
    small_world: Any, tmp_path: Path
) -> None:
    from cxm.analytics.first_touchpoint import customers_starting_at

    analytics = Analytics(small_world.db, Settings(data_dir=tmp_path))
    org = small_world.summary.organization_id
    try:
        found = find_responses(analytics, org, ResponseQuery(first="ad_click"), limit=None)
        everyone = find_responses(analytics, org, ResponseQuery(), limit=None)
        with analytics.fresh() as con:
            starting = set(customers_starting_at(con, org, "ad_click"))
    finally:
        analytics.close()
    assert 0 < found.total < everyone.total
    kept = {r.id for r in found.rows}
    expected = {r.id for r in everyone.rows if r.customer_id in starting}
    assert len(everyone.rows) == everyone.total and kept == expected
