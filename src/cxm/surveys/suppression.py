"""The suppression list: customers and addresses that must not be invited, per channel.

An entry names an address (``anna@example.com``) or a whole customer (stored with the address
``customer:<id>``) on a channel (``email``, ``sms``, or ``all``). Every invitation, whether
asked for by hand, by an imported list, by a trigger or by a recurring run, checks the list
first. Unsubscribing from an e-mail adds the address and the customer it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Connection, delete, or_, select

from cxm.core.bulk import dialect_insert
from cxm.core.db import Database, table
from cxm.core.errors import Fault, NotFound, ValidationError
from cxm.ingest.models import Customer, CustomerIdentity
from cxm.surveys.models import Suppression

UNSUBSCRIBE_SALT = "cxm-unsubscribe"
CHANNELS = ("email", "sms", "all")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class SuppressionEntry:
    id: int
    channel: str
    customer_id: int | None
    address: str | None  # None for an entry that names the whole customer
    reason: str
    created_at: datetime


def unsubscribe_token(secret: str, org_id: int, email: str) -> str:
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT).dumps([org_id, email.lower()])


def read_unsubscribe(secret: str, token: str) -> tuple[int, str]:
    try:
        org_id, email = URLSafeSerializer(secret, salt=UNSUBSCRIBE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise NotFound("This unsubscribe link is not valid.") from exc
    return int(org_id), str(email)


def _customer_of(conn: Connection, org_id: int, email: str) -> int | None:
    it = table(CustomerIdentity)
    found = conn.execute(
        select(it.c.customer_id).where(
            it.c.organization_id == org_id, it.c.kind == "email", it.c.value == email.lower()
        )
    ).scalar()
    return int(found) if found is not None else None


def suppress(
    db: Database, org_id: int, email: str, reason: str = "unsubscribed", now: datetime | None = None
) -> None:
    """Add an address (and the customer it belongs to) to the e-mail list; again: no change."""
    with db.writer() as conn:
        _insert(conn, org_id, "email", email.lower(), _customer_of(conn, org_id, email), reason,
                now or datetime.now(UTC))  # fmt: skip


def _insert(
    conn: Connection, org_id: int, channel: str, address: str, customer_id: int | None,
    reason: str, now: datetime,
) -> None:  # fmt: skip
    t = table(Suppression)
    stmt = dialect_insert(conn, t).values(
        organization_id=org_id, channel=channel, address=address, customer_id=customer_id,
        reason=reason, created_at=now,
    )  # fmt: skip
    conn.execute(stmt.on_conflict_do_nothing(index_elements=["organization_id", "channel",
                                                             "address"]))  # fmt: skip


def add_suppression(
    db: Database,
    org_id: int,
    channel: str,
    customer_id: int | None = None,
    address: str | None = None,
    reason: str = "requested",
    now: datetime | None = None,
) -> SuppressionEntry:
    """Suppress a customer or an address on a channel (adding it again changes nothing)."""
    faults = []
    if channel not in CHANNELS:
        faults.append(Fault(f"must be one of {', '.join(CHANNELS)}", "channel"))
    if (customer_id is None) == (address is None):
        faults.append(Fault("give either a customer_id or an address", "customer_id"))
    if address is not None and channel == "email" and not EMAIL.match(address):
        faults.append(Fault(f"{address!r} is not an e-mail address", "address"))
    if not reason or len(reason) > 64:
        faults.append(Fault("a reason is 1 to 64 characters", "reason"))
    if faults:
        raise ValidationError("The suppression is not valid.", faults)
    key = address.lower() if address is not None else f"customer:{customer_id}"
    with db.writer() as conn:
        if customer_id is not None:
            known = conn.execute(
                select(table(Customer).c.id).where(
                    table(Customer).c.organization_id == org_id, table(Customer).c.id == customer_id
                )
            ).scalar()
            if known is None:
                raise ValidationError(
                    f"No customer {customer_id}.", [Fault("unknown customer", "customer_id")]
                )
        elif channel == "email" and address is not None:
            customer_id = _customer_of(conn, org_id, address)
        _insert(conn, org_id, channel, key, customer_id, reason, now or datetime.now(UTC))
        t = table(Suppression)
        row = conn.execute(
            select(t).where(
                t.c.organization_id == org_id, t.c.channel == channel, t.c.address == key
            )  # fmt: skip
        ).one()
    return _entry(row)


def _entry(row: object) -> SuppressionEntry:
    r = row._mapping  # type: ignore[attr-defined]
    address = None if str(r["address"]).startswith("customer:") else str(r["address"])
    created = r["created_at"]
    return SuppressionEntry(int(r["id"]), str(r["channel"]), r["customer_id"], address,
                            str(r["reason"]), created if created.tzinfo else
                            created.replace(tzinfo=UTC))  # fmt: skip


def list_suppressions(
    db: Database, org_id: int, channel: str | None = None, customer_id: int | None = None,
    limit: int = 1000,
) -> list[SuppressionEntry]:  # fmt: skip
    t = table(Suppression)
    query = select(t).where(t.c.organization_id == org_id).order_by(t.c.id.desc()).limit(limit)
    if channel is not None:
        query = query.where(t.c.channel == channel)
    if customer_id is not None:
        query = query.where(t.c.customer_id == customer_id)
    with db.engine.connect() as conn:
        return [_entry(row) for row in conn.execute(query)]


def remove_suppression(db: Database, org_id: int, entry_id: int) -> None:
    t = table(Suppression)
    with db.writer() as conn:
        gone = conn.execute(delete(t).where(t.c.organization_id == org_id, t.c.id == entry_id))
        if not gone.rowcount:
            raise NotFound(f"No suppression {entry_id}.")


def suppressed_reason(
    conn: Connection, org_id: int, channel: str, customer_id: int | None, address: str | None
) -> str | None:
    """Why this customer or address must not be contacted on ``channel``, or None."""
    st = table(Suppression)
    who = []
    if address is not None:
        who.append(st.c.address == address.lower())
    if customer_id is not None:
        who.append(st.c.customer_id == customer_id)
    if not who:
        return None
    found = conn.execute(
        select(st.c.reason)
        .where(st.c.organization_id == org_id, st.c.channel.in_((channel, "all")), or_(*who))
        .limit(1)
    ).scalar()
    return None if found is None else str(found)
