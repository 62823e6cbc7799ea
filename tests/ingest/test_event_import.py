"""`cxm import events` in chunks: file order, rejects, re-runs, merges, orders, the sync."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import select

from cxm.analytics.sync import sync
from cxm.core import staging
from cxm.core.db import Database
from cxm.ingest import event_import
from cxm.ingest.customers import erase_customer
from cxm.ingest.event_import import import_events
from cxm.ingest.imports import ImportSummary, ReadAhead
from cxm.ingest.models import Customer, CustomerIdentity, Event, Order
from cxm.ingest.orders import ingest_orders
from cxm.ingest.touchpoints import add_location, add_rule, add_touchpoint
from tests.factories import organization


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _import(db: Database, org: int, path: Path, chunk_rows: int) -> ImportSummary:
    return import_events(
        db, org, path, None, {}, path.with_suffix(".rejects.csv"), None, chunk_rows
    )


def _order_by_u1(db: Database, org: int, placed_at: str) -> None:
    """Order W-1 of customer u1, stored before the import."""
    order = {
        "order_id": "W-1",
        "customer": {"user_id": "u1"},
        "channel": "web",
        "amount": "10.00",
        "placed_at": placed_at,
    }
    assert ingest_orders(db, org, [order]).accepted == 1


def _row(i: int, user: str, **extra: str) -> dict[str, str]:
    return {
        "message_id": f"m{i}",
        "user_id": user,
        "email": "",
        "event": "Store Visited",
        "timestamp": f"2026-03-01T10:{i:02d}:00Z",
        "location": "",
        "order_id": "",
        "note": f"n{i}",
    } | extra


@pytest.mark.parametrize("chunk_rows", [7, 16])  # 16: the first chunk split as 2 + 14
def test_a_file_imported_in_chunks_keeps_file_order_rejects_and_reruns(
    db: Database, tmp_path: Path, chunk_rows: int
) -> None:
    org = organization(db)
    with db.writer() as conn:
        store = add_location(conn, org, "KYIV-1", "Kyiv 1")
        tp = add_touchpoint(conn, org, "visit", "Store visit", "store", "purchase")
        add_rule(conn, org, tp, event_name="Store Visited")
    rows = [_row(i, f"u{i % 4}", location="KYIV-1" if i % 3 == 0 else "") for i in range(20)]
    rows[5]["event"] = ""  # rejected: row 6
    rows[11]["timestamp"] = "soon"  # rejected: row 12
    rows[16]["message_id"] = "m2"  # an earlier chunk's id: stored once, counted as duplicate
    path = _write(tmp_path / "e.csv", rows)

    first = _import(db, org, path, chunk_rows)
    assert (first.read, first.stored, first.duplicates, first.rejected) == (20, 17, 1, 2)
    with path.with_suffix(".rejects.csv").open(encoding="utf-8") as fh:
        rejected = [(r["row"], r["field"]) for r in csv.DictReader(fh)]
    assert rejected == [("6", "event"), ("12", "timestamp")]
    with db.session() as s:
        events = s.execute(
            select(Event.message_id, Event.customer_id, Event.location_id, Event.touchpoint_id)
            .where(Event.organization_id == org)
            .order_by(Event.id)
        ).all()
        owner = dict(s.execute(select(CustomerIdentity.value, CustomerIdentity.customer_id)).all())
        customers = s.scalar(select(Customer.id).where(Customer.organization_id == org).limit(1))
    good = [r for i, r in enumerate(rows) if i not in (5, 11, 16)]
    assert [e.message_id for e in events] == [r["message_id"] for r in good]
    assert [e.customer_id for e in events] == [owner[r["user_id"]] for r in good]
    assert [e.location_id for e in events] == [store if r["location"] else None for r in good]
    assert {e.touchpoint_id for e in events} == {tp}
    assert customers is not None and len(set(owner.values())) == 4

    again = _import(db, org, path, chunk_rows)
    assert (again.stored, again.duplicates, again.rejected) == (0, 18, 2)
    with db.session() as s:
        assert len(s.scalars(select(Event.id)).all()) == 17
        assert len(s.scalars(select(Customer.id)).all()) == 4


@pytest.mark.parametrize("chunk_rows", [1, 100])
def test_rows_naming_two_identities_merge_their_customers(
    db: Database, tmp_path: Path, chunk_rows: int
) -> None:
    org = organization(db)
    rows = [
        _row(0, "u1"),
        _row(1, "", email="Ira@Example.com "),
        _row(2, "u1", email="ira@example.com"),
    ]
    _import(db, org, _write(tmp_path / "e.csv", rows), chunk_rows)
    with db.session() as s:
        people = s.execute(select(Customer.id, Customer.merged_into).order_by(Customer.id)).all()
        by_event = s.scalars(select(Event.customer_id).order_by(Event.id)).all()
        kinds = dict(s.execute(select(CustomerIdentity.kind, CustomerIdentity.customer_id)).all())
    roots = {cid if merged is None else merged for cid, merged in people}
    assert len(roots) == 1 and kinds["email"] == kinds["user_id"] == roots.pop()
    if chunk_rows == 1:  # the e-mail's own customer existed a chunk long, then merged
        assert [m for _, m in people] == [None, people[0][0]]
        assert by_event == [people[0][0], people[1][0], people[0][0]]
    else:  # resolved together: one customer from the start
        assert len(people) == 1 and by_event == [people[0][0]] * 3


def test_a_customer_erased_during_an_import_is_not_referenced_by_later_chunks(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    rows = [_row(i, f"u{i % 2}") for i in range(6)]
    path = _write(tmp_path / "e.csv", rows)
    erased: list[int] = []

    def between_chunks(read: int) -> None:
        if read == 2:  # after the first chunk: u0 and u1 are known to the import
            with db.writer() as conn:
                cid = conn.execute(
                    select(CustomerIdentity.customer_id).where(CustomerIdentity.value == "u0")
                ).scalar_one()
                erase_customer(conn, org, cid)
            erased.append(cid)

    summary = import_events(
        db, org, path, None, {}, path.with_suffix(".rejects.csv"), between_chunks, 2
    )
    assert summary.stored == 6 and len(erased) == 1
    with db.session() as s:
        live = set(s.scalars(select(Customer.id)).all())
        by_event = s.execute(select(Event.message_id, Event.customer_id).order_by(Event.id)).all()
    # The erased customer's first event went with it; u0's later events found a new customer.
    assert [m for m, _ in by_event] == ["m1", "m2", "m3", "m4", "m5"]
    assert all(cid in live for _, cid in by_event) and erased[0] not in live
    assert len({cid for m, cid in by_event if m in ("m2", "m4")}) == 1


def test_awkward_text_and_times_survive_the_bulk_path(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    notes = ['said "no", then left', "line one\nline two", "Привіт, світ; \\N", ",", "\\."]
    rows = [_row(i, f"u{i}", note=n) for i, n in enumerate(notes)]
    rows[1]["timestamp"] = "2026-03-01T12:30:00.123456+02:00"
    _import(db, org, _write(tmp_path / "e.csv", rows), chunk_rows=3)
    with db.session() as s:
        stored = s.execute(select(Event.properties, Event.occurred_at).order_by(Event.id)).all()
    assert [p["note"] for p, _ in stored] == notes
    moment = stored[1][1]
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    assert moment == datetime(2026, 3, 1, 10, 30, 0, 123456, tzinfo=UTC)


def test_imported_identities_reuse_known_customers_and_date_new_ones_by_first_event(
    db: Database, tmp_path: Path
) -> None:
    org = organization(db)
    _order_by_u1(db, org, "2026-02-01T09:00:00Z")
    rows = [_row(5, "u2"), _row(2, "u2"), _row(3, "u1"), _row(4, "u3")]
    _import(db, org, _write(tmp_path / "e.csv", rows), chunk_rows=3)
    with db.session() as s:
        owner = dict(s.execute(select(CustomerIdentity.value, CustomerIdentity.customer_id)).all())
        seen = dict(s.execute(select(Customer.id, Customer.first_seen_at)).all())
        by_event = s.scalars(select(Event.customer_id).order_by(Event.id)).all()
    assert len(owner) == len(seen) == 3 and len(set(owner.values())) == 3
    assert by_event == [owner["u2"], owner["u2"], owner["u1"], owner["u3"]]
    first = {v: seen[cid].replace(tzinfo=None) for v, cid in owner.items()}
    assert first["u2"] == datetime(2026, 3, 1, 10, 2)  # its earliest event, not its first row
    assert first["u3"] == datetime(2026, 3, 1, 10, 4)  # the second chunk's new customer
    assert first["u1"] < datetime(2026, 3, 1)  # known before the import: left as it was


@pytest.mark.parametrize("room", ["ample", "scarce"])
def test_staging_files_go_to_ram_only_with_room_and_never_outlive_the_import(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, room: str
) -> None:
    ram, disk = tmp_path / "ram", tmp_path / "disk"
    ram.mkdir()
    disk.mkdir()
    monkeypatch.setattr(staging, "_RAM", ram)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))
    if room == "scarce":
        monkeypatch.setattr(staging, "RAM_NEEDED", 1 << 60)
    used: list[Path] = []
    real_build = staging.build_stage

    def watched(directory: Path, *args: Any) -> staging.StagedChunk:
        used.append(directory)
        return real_build(directory, *args)

    monkeypatch.setattr(event_import, "build_stage", watched)
    org = organization(sqlite_db)
    path = _write(tmp_path / "e.csv", [_row(i, f"u{i % 3}") for i in range(9)])
    assert _import(sqlite_db, org, path, chunk_rows=4).stored == 9
    assert used and {d.parent for d in used} == {ram if room == "ample" else disk}
    assert list(ram.iterdir()) == [] and list(disk.iterdir()) == []


def test_order_ids_link_imported_events_to_stored_orders(db: Database, tmp_path: Path) -> None:
    org = organization(db)
    _order_by_u1(db, org, "2026-03-01T09:00:00Z")
    rows = [_row(0, "u1", order_id="W-1"), _row(1, "u1", order_id="W-404"), _row(2, "u1")]
    _import(db, org, _write(tmp_path / "e.csv", rows), chunk_rows=2)
    with db.session() as s:
        stored = s.scalar(select(Order.id).where(Order.external_id == "W-1"))
        refs = s.scalars(select(Event.order_id).order_by(Event.id)).all()
        props = s.scalars(select(Event.properties).order_by(Event.id)).all()
    assert refs == [stored, None, None]
    assert props == [{"note": "n0"}, {"note": "n1"}, {"note": "n2"}]


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(tmp_path / "analytics.duckdb"))
    yield con
    con.close()


def test_the_sync_copies_an_import_exactly(
    db: Database, duck: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    org = organization(db)
    path = _write(tmp_path / "e.csv", [_row(i, f"u{i % 3}") for i in range(10)])
    _import(db, org, path, chunk_rows=4)
    assert sync(db, duck).rows["event"] == 10
    with db.session() as s:
        store = s.execute(
            select(Event.id, Event.customer_id, Event.name, Event.unmapped).order_by(Event.id)
        ).all()
    copied = duck.execute(
        "SELECT id, customer_id, name, unmapped, properties->>'note' FROM event ORDER BY id"
    ).fetchall()
    assert [tuple(r[:4]) for r in copied] == [tuple(r) for r in store]
    assert [r[4] for r in copied] == [f"n{i}" for i in range(10)]
    _import(db, org, path, chunk_rows=4)
    # On PostgreSQL a sync re-reads rows marked since the oldest transaction still running
    # anywhere on the server, so the count may repeat rows; the copy must stay the same.
    again = sync(db, duck).rows["event"]
    assert again == 0 or db.engine.dialect.name == "postgresql"
    assert (
        duck.execute(
            "SELECT id, customer_id, name, unmapped, properties->>'note' FROM event ORDER BY id"
        ).fetchall()
        == copied
    )


def test_read_ahead_hands_over_errors_and_stops_when_left() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad chunk")

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad chunk"), ReadAhead(failing()) as ahead:
        seen.extend(ahead)
    assert seen == [1]

    produced: list[int] = []

    def endless() -> Iterator[int]:
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    with ReadAhead(endless()) as ahead:
        first = next(iter(ahead))
    assert first == 0 and len(produced) <= 4  # one taken, one queued, one waiting to be
