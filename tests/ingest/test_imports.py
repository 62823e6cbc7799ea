"""`cxm import`: formats, mapping, rejects, refusals, re-runs, same storage as the API."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cxm.cli import main
from cxm.core.db import Database
from cxm.core.errors import ValidationError
from cxm.core.settings import get_settings
from cxm.ingest.event_import import import_events
from cxm.ingest.events import ingest_batch
from cxm.ingest.imports import ImportSummary, parse_mapping, run_import
from cxm.ingest.models import Customer, CustomerIdentity, Event, Order
from cxm.ingest.orders_import import store_customers, store_orders
from cxm.ingest.touchpoints import add_rule, add_touchpoint
from tests.factories import organization, track


def _events(
    db: Database,
    org: int,
    path: Path,
    mapping: dict[str, str] | None = None,
    fmt: str | None = None,
) -> ImportSummary:
    return import_events(db, org, path, fmt, mapping or {}, path.with_suffix(".rejects.csv"))


def _count(db: Database, model: object) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_with_column_mapping_and_a_rejects_file(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    path = _write_csv(
        tmp_path / "log.csv",
        [
            {"client_no": "c1", "what": "Product Viewed", "ts": "2026-03-01T10:00:00Z", "sku": "A"},
            {"client_no": "", "what": "Product Viewed", "ts": "2026-03-01T10:01:00Z", "sku": "B"},
            {"client_no": "c2", "what": "Cart Viewed", "ts": "yesterday", "sku": "C"},
            {"client_no": "c2", "what": "Cart Viewed", "ts": "2999-01-01T00:00:00Z", "sku": "D"},
            {
                "client_no": "c2",
                "what": "Cart Viewed",
                "ts": "2026-03-02T10:00:00+02:00",
                "sku": "E",
            },
        ],
    )
    summary = _events(
        db, org, path, parse_mapping(["user_id=client_no", "event=what", "timestamp=ts"])
    )
    assert (summary.read, summary.stored, summary.rejected) == (5, 2, 3)
    rejects = _rejects(path.with_suffix(".rejects.csv"))
    assert {(r["row"], r["field"]) for r in rejects} == {
        ("2", "user_id"),
        ("3", "timestamp"),
        ("4", "timestamp"),
    }
    with db.session() as s:
        props = [e.properties for e in s.scalars(select(Event).order_by(Event.id))]
    assert props == [{"sku": "A"}, {"sku": "E"}]


def test_reimporting_the_same_file_stores_nothing_new(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    path = _write_csv(
        tmp_path / "e.csv",
        [
            {"user_id": "u1", "event": "Product Viewed", "timestamp": "2026-03-01T10:00:00Z"},
            {"user_id": "u2", "event": "Product Viewed", "timestamp": "2026-03-01T11:00:00Z"},
        ],
    )
    assert _events(db, org, path).stored == 2
    again = _events(db, org, path)
    assert (again.stored, again.duplicates) == (0, 2)
    assert _count(db, Event) == 2


def test_missing_columns_refuse_the_file_and_name_them(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    path = _write_csv(tmp_path / "e.csv", [{"who": "u1", "when": "2026-03-01T10:00:00Z"}])
    with pytest.raises(ValidationError) as exc:
        _events(db, org, path)
    assert "event" in str(exc.value) and "it has: who, when" in str(exc.value)
    assert _count(db, Event) == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ragged.csv", "message_id,user_id,event,timestamp\nm1,u1,V,2026-03-01T10:00:00Z,x,y\n"),
        ("open-quote.csv", 'message_id,user_id,event,timestamp\nm1,u1,"V,2026-03-01\n'),
        ("broken.jsonl", '{"message_id": "m1", "user_id": "u1"}\n{not json\n'),
        ("broken.xes", "<log><trace><event><string key='concept:name' value='V'/></trace>"),
        ("truncated.parquet", "PAR1 not really"),
    ],
)
def test_a_malformed_file_gets_a_plain_error_naming_it(
    db: Database, tmp_path: Path, name: str, content: str
) -> None:
    org = organization(db)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        _events(db, org, path)
    fmt = name.rsplit(".", 1)[1]
    assert str(exc.value).startswith(f"{name} cannot be read as {fmt}: ")
    assert _count(db, Event) == 0


def test_jsonl_and_parquet_files(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    rows = [
        {
            "message_id": f"m{i}",
            "user_id": f"u{i % 2}",
            "event": "Store Visited",
            "timestamp": f"2026-04-0{i + 1}T09:00:00Z",
            "location": "KYIV-1",
        }
        for i in range(3)
    ]
    jl = tmp_path / "e.jsonl"
    jl.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert _events(db, org, jl).stored == 3
    pq = tmp_path / "e.parquet"
    pl.DataFrame([{**r, "message_id": "p" + r["message_id"]} for r in rows]).write_parquet(pq)
    assert _events(db, org, pq).stored == 3
    assert _count(db, Customer) == 2


XES = Path(__file__).resolve().parent.parent / "data" / "ties.xes"


def test_xes_traces_become_customers_and_ties_keep_file_order(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    assert _events(db, org, XES).stored == 4
    with db.session() as s:
        events = s.execute(
            select(Event.name, Event.customer_id, Event.properties).order_by(Event.id)
        ).all()
    assert [e.name for e in events] == ["A", "B", "C", "A"]
    assert events[0].customer_id == events[2].customer_id != events[3].customer_id
    assert events[0].properties == {"org:resource": "Ann"}


def test_imported_and_api_events_are_stored_alike(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    with db.writer() as conn:
        tp = add_touchpoint(conn, org, "web_pdp", "Product page", "web", "pre_purchase")
        add_rule(conn, org, tp, event_name="Product Viewed", channel="web")
    ingest_batch(db, org, [track("api-1", user_id="same", channel="web")])
    path = _write_csv(
        tmp_path / "e.csv",
        [
            {
                "message_id": "file-1",
                "user_id": "same",
                "event": "Product Viewed",
                "channel": "web",
                "timestamp": "2026-03-01T10:00:00Z",
            }
        ],
    )
    _events(db, org, path)
    with db.session() as s:
        rows = s.execute(
            select(
                Event.message_id, Event.customer_id, Event.touchpoint_id, Event.unmapped
            ).order_by(Event.id)
        ).all()
    assert rows[0][1:] == rows[1][1:] == (rows[0].customer_id, tp, False)
    assert _count(db, Customer) == 1


def test_customer_rows_link_their_identities(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    path = _write_csv(
        tmp_path / "crm.csv",
        [
            {
                "crm_id": "K-1",
                "email": "Ira@Example.com",
                "phone": "+380 50 111 22 33",
                "name": "Ira",
            },
            {"crm_id": "K-2", "email": "", "phone": "", "name": "Oles"},
        ],
    )
    summary = run_import(
        "customers",
        path,
        None,
        {},
        tmp_path / "r.csv",
        lambda f, o, out: store_customers(db, org, f, o, out),
    )
    assert summary.stored == 2
    ingest_batch(
        db,
        org,
        [
            {
                "type": "identify",
                "messageId": "i",
                "userId": "web-9",
                "timestamp": "2026-03-01T00:00:00Z",
                "traits": {"email": "ira@example.com"},
            }
        ],
    )
    with db.session() as s:
        owners = s.execute(select(CustomerIdentity.kind, CustomerIdentity.customer_id)).all()
    ira = {kind: cid for kind, cid in owners if kind != "crm_id" or cid == owners[0][1]}
    assert len({ira["email"], ira["phone"], ira["user_id"]}) == 1


def test_orders_file_with_a_bad_row(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    path = _write_csv(
        tmp_path / "orders.csv",
        [
            {
                "order_id": "A1",
                "user_id": "u1",
                "channel": "web",
                "amount": "100.50",
                "placed_at": "2026-03-01T10:00:00Z",
            },
            {
                "order_id": "A2",
                "user_id": "u1",
                "channel": "web",
                "amount": "lots",
                "placed_at": "2026-03-01T10:00:00Z",
            },
        ],
    )
    summary = run_import(
        "orders",
        path,
        None,
        {},
        tmp_path / "r.csv",
        lambda f, o, out: store_orders(db, org, f, o, out),
    )
    assert (summary.stored, summary.rejected) == (1, 1)
    rejects = _rejects(tmp_path / "r.csv")
    assert rejects[0]["row"] == "2" and rejects[0]["field"] == "amount"
    assert _count(db, Order) == 1


def test_import_command_prints_a_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    db = Database(get_settings().resolved_database_url)
    organization(db, "demo")
    db.dispose()
    path = _write_csv(
        tmp_path / "e.csv",
        [{"user_id": "u1", "event": "Product Viewed", "timestamp": "2026-03-01T10:00:00Z"}],
    )
    first = runner.invoke(main, ["import", "events", str(path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["stored"] == 1
    again = runner.invoke(main, ["import", "events", str(path)])
    assert "Nothing new" in again.output
    missing = runner.invoke(main, ["import", "events", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and "No file" in missing.output
    get_settings.cache_clear()


def test_property_rules_map_imported_events_row_by_row(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    with db.writer() as conn:
        tp = add_touchpoint(conn, org, "cc_billing", "Billing call", "contact_centre", "use")
        add_rule(conn, org, tp, event_name="Call", property_key="topic", property_value="bill")
    path = _write_csv(
        tmp_path / "calls.csv",
        [
            {
                "user_id": "u1",
                "event": "Call",
                "timestamp": "2026-03-01T10:00:00Z",
                "topic": "bill",
            },
            {
                "user_id": "u1",
                "event": "Call",
                "timestamp": "2026-03-01T11:00:00Z",
                "topic": "other",
            },
        ],
    )
    _events(db, org, path)
    with db.session() as s:
        mapped = list(s.scalars(select(Event.touchpoint_id).order_by(Event.id)))
    assert mapped == [tp, None]


def test_xes_repeated_identical_events_are_kept_and_a_second_import_adds_nothing(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    stamp = '<date key="time:timestamp" value="2026-01-05T10:00:00.000+00:00"/>'
    same = f'<event><string key="concept:name" value="Call"/>{stamp}</event>'
    log = tmp_path / "repeats.xes"
    log.write_text(
        '<log xmlns="http://www.xes-standard.org/"><trace>'
        f'<string key="concept:name" value="c1"/>{same}{same}'
        '<event><string key="identity:id" value="given-1"/>'
        f'<string key="concept:name" value="Mail"/>{stamp}</event>'
        "</trace></log>",
        encoding="utf-8",
    )
    assert _events(db, org, log).stored == 3
    again = _events(db, org, log)
    assert again.stored == 0 and again.duplicates == 3
    with db.session() as s:
        ids = s.scalars(select(Event.message_id).order_by(Event.id)).all()
    assert ids[2] == "given-1" and ids[0] != ids[1]
