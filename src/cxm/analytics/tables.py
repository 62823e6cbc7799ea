"""What the sync copies: each store table's columns and their analytics-store types."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from cxm.core.db import table
from cxm.core.models import Organization
from cxm.feedback.models import Feedback
from cxm.ingest.models import Customer, Event, Location, Order, ShipmentUpdate, Touchpoint
from cxm.surveys.models import Answer, Response
from cxm.text.models import AspectMention, Enrichment
from cxm.text.theme_models import ThemeReading


@dataclass(frozen=True)
class SyncedTable:
    name: str
    table: Table
    columns: dict[str, str]  # column -> DuckDB type; the first is the primary key
    local_time: tuple[str, ...] = ()  # UTC columns that also get a column in the org's time


SYNCED: tuple[SyncedTable, ...] = (
    SyncedTable(
        "organization",
        table(Organization),
        {
            "id": "BIGINT",
            "slug": "VARCHAR",
            "name": "VARCHAR",
            "timezone": "VARCHAR",
            "currency": "VARCHAR",
        },
    ),
    SyncedTable(
        "location",
        table(Location),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "code": "VARCHAR",
            "name": "VARCHAR",
            "kind": "VARCHAR",
            "city": "VARCHAR",
            "region": "VARCHAR",
        },
    ),
    SyncedTable(
        "touchpoint",
        table(Touchpoint),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "code": "VARCHAR",
            "name": "VARCHAR",
            "channel": "VARCHAR",
            "stage": "VARCHAR",
            "location_id": "BIGINT",
        },
    ),
    SyncedTable(
        "customer",
        table(Customer),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "language": "VARCHAR",
            "segment": "VARCHAR",
            "merged_into": "BIGINT",
            "first_seen_at": "TIMESTAMP",
        },
    ),
    SyncedTable(
        "customer_order",
        table(Order),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "external_id": "VARCHAR",
            "customer_id": "BIGINT",
            "channel": "VARCHAR",
            "location_id": "BIGINT",
            "amount": "DECIMAL(14,2)",
            "currency": "VARCHAR",
            "placed_at": "TIMESTAMP",
            "promised_delivery_date": "DATE",
            "status": "VARCHAR",
            "refunded": "BOOLEAN",
        },
        ("placed_at",),
    ),
    SyncedTable(
        "shipment_update",
        table(ShipmentUpdate),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "order_id": "BIGINT",
            "status": "VARCHAR",
            "occurred_at": "TIMESTAMP",
            "new_eta": "DATE",
        },
        ("occurred_at",),
    ),
    SyncedTable(
        "event",
        table(Event),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "type": "VARCHAR",
            "name": "VARCHAR",
            "customer_id": "BIGINT",
            "touchpoint_id": "BIGINT",
            "channel": "VARCHAR",
            "location_id": "BIGINT",
            "order_id": "BIGINT",
            "occurred_at": "TIMESTAMP",
            "unmapped": "BOOLEAN",
            "properties": "JSON",  # text; funnels match steps on a property (checkout step)
        },
        ("occurred_at",),
    ),
    SyncedTable(
        "survey_response",
        table(Response),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "survey_id": "BIGINT",
            "customer_id": "BIGINT",
            "order_id": "BIGINT",
            "touchpoint_id": "BIGINT",
            "location_id": "BIGINT",
            "channel": "VARCHAR",
            "language": "VARCHAR",
            "status": "VARCHAR",
            "completed_at": "TIMESTAMP",
        },
        ("completed_at",),
    ),
    SyncedTable(
        "survey_answer",
        table(Answer),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "response_id": "BIGINT",
            "question": "VARCHAR",
            "kind": "VARCHAR",
            "value": "DOUBLE",
            "text": "VARCHAR",  # open answers, searched by the response explorer
        },
    ),
    SyncedTable(
        "feedback",
        table(Feedback),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "kind": "VARCHAR",
            "text": "VARCHAR",
            "channel": "VARCHAR",
            "touchpoint_id": "BIGINT",
            "location_id": "BIGINT",
            "customer_id": "BIGINT",
            "order_id": "BIGINT",
            "category": "VARCHAR",
            "language": "VARCHAR",
            "rating": "BIGINT",
            "occurred_at": "TIMESTAMP",
        },
        ("occurred_at",),
    ),
    SyncedTable(
        "text_enrichment",
        table(Enrichment),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "feedback_id": "BIGINT",
            "model_version": "VARCHAR",
            "language": "VARCHAR",
            "sentiment": "VARCHAR",
            "sentiment_score": "DOUBLE",
            "confidence": "DOUBLE",
            "labels": "VARCHAR",
        },
    ),
    SyncedTable(
        "text_themes",
        table(ThemeReading),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "feedback_id": "BIGINT",
            "taxonomy_version": "VARCHAR",
            "language": "VARCHAR",
            "themes": "VARCHAR",
            "lemmas": "VARCHAR",  # " lemma lemma ... ": the Voice search
        },
    ),
    SyncedTable(
        "text_aspects",
        table(AspectMention),
        {
            "id": "BIGINT",
            "organization_id": "BIGINT",
            "feedback_id": "BIGINT",
            "model_version": "VARCHAR",
            "aspect": "VARCHAR",
            "sentiment": "VARCHAR",
            "score": "DOUBLE",
        },
    ),
)

BY_NAME = {t.table.name: t for t in SYNCED}
