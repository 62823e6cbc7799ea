"""The store migrates and works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, select

from cxm.core.changes import change_mark
from cxm.core.db import Database
from cxm.core.models import Organization
from cxm.core.schema import upgrade
from tests.factories import organization


def test_migrations_create_every_table_and_rerun_is_harmless(db: Database) -> None:
    upgrade(db.engine)
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "organization",
        "customer",
        "customer_identity",
        "event",
        "customer_order",
        "shipment_update",
        "touchpoint",
        "touchpoint_rule",
        "location",
        "api_key",
        "app_user",
        "tombstone",
    } <= tables


def test_organization_defaults_to_kyiv_time_and_hryvnia(db: Database) -> None:
    org_id = organization(db)
    with db.session() as s:
        org = s.scalar(select(Organization).where(Organization.id == org_id))
        assert org is not None
        assert (org.timezone, org.currency) == ("Europe/Kyiv", "UAH")


def test_change_marks_grow_from_one_write_transaction_to_the_next(db: Database) -> None:
    with db.writer() as conn:
        first = change_mark(conn)
    with db.writer() as conn:
        second = change_mark(conn)
    assert second > first
