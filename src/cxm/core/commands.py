"""What every command needs: settings with the CLI's overrides, the store, the organization."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select

from cxm.core.db import Database
from cxm.core.models import Organization
from cxm.core.schema import upgrade
from cxm.core.settings import Settings


def command_settings(ctx: click.Context) -> Settings:
    """Settings from the environment, overridden by the root command's options."""
    root = ctx.find_root().obj or {}
    overrides: dict[str, Any] = {k: v for k, v in root.items() if v is not None}
    return Settings(**overrides)


def open_store(settings: Settings) -> Database:
    """The store, migrated to the newest schema."""
    db = Database(settings.resolved_database_url)
    upgrade(db.engine)
    return db


def organization_id(db: Database, slug: str) -> int:
    with db.session() as s:
        org_id = s.scalar(select(Organization.id).where(Organization.slug == slug))
    if org_id is None:
        raise click.ClickException(f"No organization '{slug}'. Run `cxm demo` or create one.")
    return int(org_id)
