"""Identity resolution: many identities (user id, e-mail, phone, card...) to one customer.

Resolution runs for a whole batch at once: one query loads the known identities, new
customers and identities are inserted in bulk, and when one message ties together identities
of two known customers (identify, alias) the newer customer is merged into the older one.
A merged customer keeps its row with ``merged_into`` set, so history stays attributable.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, func, update

from cxm.core.bulk import insert_returning_ids, insert_rows
from cxm.core.db import table
from cxm.ingest.models import Customer, CustomerIdentity

Key = tuple[str, str]
CHUNK = 900


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        return "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return value


@dataclass
class Claim:
    """The identities one message names, and what it says about the customer."""

    keys: list[Key]
    seen_at: datetime
    strong: Key | None = None  # the key whose customer wins a merge (e.g. the user id)
    name: str | None = None
    language: str | None = None


@dataclass
class _Pending:
    first_seen_at: datetime
    name: str | None
    language: str | None


@dataclass
class Resolution:
    customer_ids: list[int]
    created: int = 0
    merged: list[tuple[int, int]] = field(default_factory=list)


def load_known(conn: Connection, org_id: int, keys: Iterable[Key]) -> dict[Key, int]:
    """The customer of each identity already stored (unknown identities are left out)."""
    by_kind: dict[str, set[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, set()).add(value)
    known: dict[Key, int] = {}
    for kind, values in by_kind.items():
        for value, customer_id in known_values(conn, org_id, kind, values).items():
            known[(kind, value)] = customer_id
    return known


def known_values(
    conn: Connection, org_id: int, kind: str, values: Collection[str]
) -> dict[str, int]:
    """The customer of each stored identity of one kind among ``values``."""
    # Plain driver SQL: compiling an expanding IN of thousands of values costs more than the
    # lookup itself. SQLite takes the whole list as one JSON array.
    if not values:
        return {}
    cursor = conn.connection.cursor()  # the driver's: SQLAlchemy's rows cost more than the query
    try:
        if conn.dialect.name == "sqlite":
            sql = (
                "SELECT value, customer_id FROM customer_identity WHERE organization_id = ?"
                " AND kind = ? AND value IN (SELECT value FROM json_each(?))"
            )
            cursor.execute(sql, (org_id, kind, orjson.dumps(list(values)).decode()))
            return dict(cursor.fetchall())
        sql = (
            "SELECT value, customer_id FROM customer_identity WHERE organization_id = %s"
            " AND kind = %s AND value = ANY(%s)"
        )
        ordered = sorted(values)
        known: dict[str, int] = {}
        for start in range(0, len(ordered), 10 * CHUNK):
            cursor.execute(sql, (org_id, kind, ordered[start : start + 10 * CHUNK]))
            known.update(cursor.fetchall())
        return known
    finally:
        cursor.close()


def resolve_distinct(
    conn: Connection,
    org_id: int,
    kind: str,
    values: Sequence[str],
    seen_at: Sequence[datetime],
    mark: int,
) -> list[int]:
    """The customer of each of ``values``: distinct identities of one kind, each alone.

    No value links two customers, so nothing merges: a known identity keeps its customer, an
    unknown one gets a new customer first seen at its ``seen_at``. This is ``resolve`` for
    claims of one key each, set-wise (a bulk import whose rows name one identity each).
    """
    known = known_values(conn, org_id, kind, values)
    new = [i for i, v in enumerate(values) if v not in known]
    created = insert_returning_ids(
        conn,
        table(Customer),
        [{"organization_id": org_id, "first_seen_at": seen_at[i], "sync_mark": mark} for i in new],
    )
    insert_rows(
        conn,
        table(CustomerIdentity),
        [
            {
                "organization_id": org_id,
                "kind": kind,
                "value": values[i],
                "customer_id": cid,
                "sync_mark": mark,
            }
            for i, cid in zip(new, created, strict=True)
        ],
    )
    known.update((values[i], cid) for i, cid in zip(new, created, strict=True))
    return [known[v] for v in values]


def resolve(conn: Connection, org_id: int, claims: Sequence[Claim], mark: int) -> Resolution:
    """The customer id for each claim, creating and merging customers as needed."""
    key_map = load_known(conn, org_id, (k for c in claims for k in c.keys))
    parent: dict[int, int] = {}
    pending: dict[int, _Pending] = {}
    new_identities: dict[Key, int] = {}
    updates: dict[int, dict[str, Any]] = {}
    real_merges: list[tuple[int, int]] = []
    next_temp = -1

    def find(cid: int) -> int:
        while cid in parent:
            cid = parent[cid]
        return cid

    per_claim: list[int] = []
    for claim in claims:
        owners = {find(key_map[k]) for k in claim.keys if k in key_map}
        if not owners:
            cid = next_temp
            next_temp -= 1
            pending[cid] = _Pending(claim.seen_at, claim.name, claim.language)
        elif len(owners) == 1:
            cid = owners.pop()
        else:
            strong = find(key_map[claim.strong]) if claim.strong in key_map else None
            real = sorted(o for o in owners if o > 0)
            cid = (
                strong if strong is not None and strong > 0 else (real[0] if real else max(owners))
            )
            for other in owners - {cid}:
                parent[other] = cid
                if other > 0:
                    real_merges.append((other, cid))
        for k in claim.keys:
            if k not in key_map:
                key_map[k] = cid
                new_identities[k] = cid
        if cid > 0 and (claim.name or claim.language):
            fields = updates.setdefault(cid, {})
            if claim.name:
                fields["name"] = claim.name
            if claim.language:
                fields["language"] = claim.language
        elif cid < 0:
            p = pending[cid]
            p.name = claim.name or p.name
            p.language = claim.language or p.language
        per_claim.append(cid)

    real_of = _insert_customers(conn, org_id, pending, parent, find, mark)

    def final(cid: int) -> int:
        root = find(cid)
        return real_of[root] if root < 0 else root

    if new_identities:
        insert_rows(
            conn,
            table(CustomerIdentity),
            [
                {
                    "organization_id": org_id,
                    "kind": k,
                    "value": v,
                    "customer_id": final(c),
                    "sync_mark": mark,
                }
                for (k, v), c in new_identities.items()
            ],
        )
    merges = [(loser, final(winner)) for loser, winner in real_merges]
    _apply_merges(conn, org_id, merges, mark)
    ct = table(Customer)
    if updates:
        # One statement for all customers whose traits changed; absent traits stay as they are.
        stmt = (
            update(ct)
            .where(ct.c.id == bindparam("cid"))
            .values(
                name=func.coalesce(bindparam("new_name"), ct.c.name),
                language=func.coalesce(bindparam("new_language"), ct.c.language),
                sync_mark=mark,
            )
        )
        conn.execute(
            stmt,
            [
                {"cid": final(cid), "new_name": f.get("name"), "new_language": f.get("language")}
                for cid, f in updates.items()
            ],
        )
    return Resolution([final(c) for c in per_claim], len(real_of), merges)


def _insert_customers(
    conn: Connection,
    org_id: int,
    pending: dict[int, _Pending],
    parent: dict[int, int],
    find: Any,
    mark: int,
) -> dict[int, int]:
    roots = [t for t in sorted(pending, reverse=True) if find(t) == t]
    rows = [
        {
            "organization_id": org_id,
            "first_seen_at": pending[t].first_seen_at,
            "name": pending[t].name,
            "language": pending[t].language,
            "sync_mark": mark,
        }
        for t in roots
    ]
    return dict(zip(roots, insert_returning_ids(conn, table(Customer), rows), strict=True))


def _apply_merges(conn: Connection, org_id: int, merges: list[tuple[int, int]], mark: int) -> None:
    ct = table(Customer)
    it = table(CustomerIdentity)
    for loser, winner in merges:
        # Keep chains flat: whoever pointed at the loser now points at the winner.
        conn.execute(
            update(ct)
            .where(ct.c.organization_id == org_id, ct.c.merged_into == loser)
            .values(merged_into=winner, sync_mark=mark)
        )
        conn.execute(update(ct).where(ct.c.id == loser).values(merged_into=winner, sync_mark=mark))
        conn.execute(
            update(it).where(it.c.customer_id == loser).values(customer_id=winner, sync_mark=mark)
        )
