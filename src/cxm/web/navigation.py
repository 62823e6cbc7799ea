"""The navigation: every part of the product, and which of them are there yet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    slug: str
    label: str  # English msgid, translated in templates
    path: str
    ready: bool


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("overview", "Overview", "/", True),
    NavItem("kpis", "KPIs", "/kpis", True),
    NavItem("journeys", "Journeys", "/journeys", True),
    NavItem("moments", "Moments of truth", "/moments", True),
    NavItem("friction", "Friction", "/friction", True),
    NavItem("voice", "Voice", "/voice", True),
    NavItem("themes", "Themes", "/themes", True),
    NavItem("customers", "Customers", "/customers", True),
    NavItem("surveys", "Surveys", "/surveys", True),
    NavItem("responses", "Responses", "/responses", True),
    NavItem("reviews", "Reviews", "/reviews", False),
    NavItem("cases", "Cases", "/cases", False),
    NavItem("actions", "Actions & goals", "/actions", False),
    NavItem("stores", "Stores", "/stores", False),
    NavItem("settings", "Settings", "/settings", True),
)
