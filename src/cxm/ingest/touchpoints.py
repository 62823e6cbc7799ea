"""The touchpoint catalogue, locations, and the rules that map events to touchpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from cxm.core.db import table
from cxm.core.errors import Fault, ValidationError
from cxm.ingest.models import CHANNELS, LOCATION_KINDS, STAGES, Location, Touchpoint, TouchpointRule


@dataclass(frozen=True)
class Rule:
    priority: int
    event_name: str | None
    channel: str | None
    location_code: str | None
    property_key: str | None
    property_value: str | None
    touchpoint_id: int

    def matches(
        self, name: str, channel: str | None, location_code: str | None, properties: dict[str, Any]
    ) -> bool:
        if self.event_name is not None and self.event_name != name:
            return False
        if self.channel is not None and self.channel != channel:
            return False
        if self.location_code is not None and self.location_code != location_code:
            return False
        if self.property_key is not None:
            value = properties.get(self.property_key)
            if value is None:
                return False
            if self.property_value is not None and str(value) != self.property_value:
                return False
        return True


class TouchpointMapper:
    """Matches events to touchpoints by the organization's rules (first by priority wins)."""

    def __init__(self, rules: list[Rule], locations: dict[str, int]) -> None:
        self.rules = sorted(rules, key=lambda r: (r.priority, r.touchpoint_id))
        self.locations = locations
        self._simple = all(r.property_key is None for r in self.rules)
        self._memo: dict[tuple[str, str | None, str | None], int | None] = {}

    @property
    def needs_properties(self) -> bool:
        """Whether some rule looks at event properties (so matching is per event)."""
        return not self._simple

    @classmethod
    def load(cls, conn: Connection, org_id: int) -> TouchpointMapper:
        rt = table(TouchpointRule)
        rules = [
            Rule(
                r.priority,
                r.event_name,
                r.channel,
                r.location_code,
                r.property_key,
                r.property_value,
                r.touchpoint_id,
            )
            for r in conn.execute(select(rt).where(rt.c.organization_id == org_id))
        ]
        lt = table(Location)
        query = select(lt.c.code, lt.c.id).where(lt.c.organization_id == org_id)
        locations = dict(conn.execute(query).all())
        return cls(rules, locations)

    def match(
        self, name: str, channel: str | None, location_code: str | None, properties: dict[str, Any]
    ) -> int | None:
        if self._simple:
            key = (name, channel, location_code)
            if key not in self._memo:
                self._memo[key] = self._scan(name, channel, location_code, properties)
            return self._memo[key]
        return self._scan(name, channel, location_code, properties)

    def _scan(
        self, name: str, channel: str | None, location_code: str | None, properties: dict[str, Any]
    ) -> int | None:
        for rule in self.rules:
            if rule.matches(name, channel, location_code, properties):
                return rule.touchpoint_id
        return None


def _check(value: str | None, allowed: tuple[str, ...], field: str) -> None:
    if value is not None and value not in allowed:
        raise ValidationError(
            f"{field} must be one of {', '.join(allowed)}",
            [Fault(f"{value!r} is not one of {', '.join(allowed)}", field)],
        )


def add_location(
    conn: Connection,
    org_id: int,
    code: str,
    name: str,
    kind: str = "store",
    city: str | None = None,
    region: str | None = None,
) -> int:
    _check(kind, LOCATION_KINDS, "kind")
    return int(
        conn.execute(
            insert(Location).returning(Location.id),
            [
                {
                    "organization_id": org_id,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "city": city,
                    "region": region,
                }
            ],
        ).scalar_one()
    )


def add_touchpoint(
    conn: Connection,
    org_id: int,
    code: str,
    name: str,
    channel: str,
    stage: str,
    location_id: int | None = None,
) -> int:
    _check(channel, CHANNELS, "channel")
    _check(stage, STAGES, "stage")
    return int(
        conn.execute(
            insert(Touchpoint).returning(Touchpoint.id),
            [
                {
                    "organization_id": org_id,
                    "code": code,
                    "name": name,
                    "channel": channel,
                    "stage": stage,
                    "location_id": location_id,
                }
            ],
        ).scalar_one()
    )


def add_rule(
    conn: Connection,
    org_id: int,
    touchpoint_id: int,
    *,
    event_name: str | None = None,
    channel: str | None = None,
    location_code: str | None = None,
    property_key: str | None = None,
    property_value: str | None = None,
    priority: int = 100,
) -> int:
    _check(channel, CHANNELS, "channel")
    return int(
        conn.execute(
            insert(TouchpointRule).returning(TouchpointRule.id),
            [
                {
                    "organization_id": org_id,
                    "touchpoint_id": touchpoint_id,
                    "event_name": event_name,
                    "channel": channel,
                    "location_code": location_code,
                    "property_key": property_key,
                    "property_value": property_value,
                    "priority": priority,
                }
            ],
        ).scalar_one()
    )
