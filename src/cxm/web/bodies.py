"""Reading JSON request bodies with limits, and answering batch writes."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from cxm.core.errors import Fault, PayloadTooLarge, ValidationError
from cxm.ingest.schemas import BatchResult
from cxm.web.problems import problem


async def json_body(request: Request, max_bytes: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The body is {declared} bytes; the limit is {max_bytes}.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The body exceeds the limit of {max_bytes} bytes.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(
            f"The body is not valid JSON: {exc}", [Fault(f"malformed JSON: {exc}")]
        ) from exc


def items_of(payload: Any, key: str, limit: int) -> list[object]:
    if isinstance(payload, dict) and isinstance(payload.get(key), list):
        items: list[object] = payload[key]
    elif isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and key != "batch":
        items = [payload]
    else:
        raise ValidationError(
            f"The body must be an object with a '{key}' array.",
            [Fault(f"must be an array of {key}", key)],
        )
    if len(items) > limit:
        raise PayloadTooLarge(f"{len(items)} records in one request; the limit is {limit}.")
    if not items:
        raise ValidationError(f"The '{key}' array is empty.", [Fault("is empty", key)])
    return items


def answer(result: BatchResult) -> JSONResponse:
    if result.rejected and result.accepted == 0 and result.duplicates == 0:
        faults = [Fault(str(r["reason"]), r.get("field"), r.get("index")) for r in result.rejected]
        return problem(
            422,
            "Invalid input",
            "No record of the request was stored.",
            faults,
            accepted=0,
            duplicates=0,
        )
    status = 207 if result.rejected else 200
    return JSONResponse(result.model_dump(), status_code=status)
