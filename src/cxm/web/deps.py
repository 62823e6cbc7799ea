"""Typed FastAPI dependencies shared by every part's routes."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from cxm.core.auth import KeyOwner, check_api_key
from cxm.core.db import Database
from cxm.core.errors import Unauthorized
from cxm.core.settings import Settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key_from(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if scheme.lower() == "basic" and value:
        # Segment libraries send the write key as the Basic user name.
        try:
            decoded = base64.b64decode(value).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise Unauthorized("The Basic authorization header is not valid base64.") from exc
        return decoded.partition(":")[0]
    if request.headers.get("x-api-key"):
        return request.headers["x-api-key"]
    raise Unauthorized("An API key is required: send 'Authorization: Bearer <key>'.")


async def api_key_owner(request: Request) -> KeyOwner:
    key = _key_from(request)
    db = get_db(request)

    def check() -> KeyOwner:
        with db.session() as s:
            return check_api_key(s, key)

    return await run_in_threadpool(check)


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ApiClient = Annotated[KeyOwner, Depends(api_key_owner)]
