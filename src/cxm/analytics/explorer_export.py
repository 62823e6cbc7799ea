"""CSV and Excel files of exactly the responses the explorer's filters select.

One row per response: its context (when, survey, channel, stage, touchpoint, store, region,
language, customer, order, NPS group), then one column per question (the text of an open
answer, else its value). Text that a spreadsheet would run as a formula (starting with =, +,
-, @, a tab or a carriage return) is prefixed with an apostrophe, so a customer's comment
can never become a formula in the analyst's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, Literal

from openpyxl import Workbook

from cxm.analytics.explorer import ResponseRow

Format = Literal["csv", "xlsx"]
FORMATS = ("csv", "xlsx")
CONTEXT = ("response_id", "completed_at", "survey", "channel", "stage", "touchpoint", "store",
           "region", "language", "customer_id", "order_id", "nps", "nps_group")  # fmt: skip
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def _answer(value: float | None, text: str | None) -> Any:
    if text is not None:
        return text
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def table_rows(rows: Iterable[ResponseRow]) -> tuple[list[str], list[list[Any]]]:
    """The header and the rows, with every cell already made safe."""
    rows = list(rows)
    questions: list[str] = []
    seen: set[str] = set()
    for r in rows:
        for a in r.answers:
            if a.question not in seen:
                seen.add(a.question)
                questions.append(a.question)
    out = []
    for r in rows:
        by_question = {a.question: _answer(a.value, a.text) for a in r.answers}
        context = [r.id, r.completed_at.replace(microsecond=0).isoformat(sep=" "), r.survey,
                   r.channel, r.stage, r.touchpoint, r.store, r.region, r.language,
                   r.customer_id, r.order_id, _answer(r.nps, None), r.nps_group]  # fmt: skip
        out.append([safe_cell(v) for v in context + [by_question.get(q) for q in questions]])
    return [*CONTEXT, *(safe_cell(q) for q in questions)], out


def write_table(header: list[Any], body: list[list[Any]], fmt: str, sheet: str) -> bytes:
    """A CSV (UTF-8 with a byte-order mark, so spreadsheets read Cyrillic text correctly) or
    an Excel workbook of one sheet; cells are expected to be made safe already."""
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        page = book.create_sheet(sheet)
        page.append(header)
        for row in body:
            page.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in body])
    return buffer.getvalue().encode("utf-8-sig")


def to_csv(rows: Iterable[ResponseRow]) -> bytes:
    return write_table(*table_rows(rows), "csv", "responses")


def to_xlsx(rows: Iterable[ResponseRow]) -> bytes:
    return write_table(*table_rows(rows), "xlsx", "responses")


def export(rows: Iterable[ResponseRow], fmt: str) -> bytes:
    return to_xlsx(rows) if fmt == "xlsx" else to_csv(rows)
