"""Answering a definition: display and skip logic, option order, reading and storing one page.

A page's answers arrive as form fields: ``q_<id>`` for one value (several for multiple
choice), ``q_<id>__<row>`` for a matrix row and ``q_<id>__<attribute index>__<side>`` for
paired questions. Each answer becomes ``survey_answer`` rows: scales and ratings store the
number; choices store the option's position in the definition as the number and its value as
the text; a matrix stores one row per matrix row (question ``<id>.<row>``); paired questions
store one row per attribute and side (question = attribute, kind = side), as the gap
analytics read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxm.surveys.definition import (
    PAIRED_SIDES,
    SCALES,
    ChoiceQuestion,
    Condition,
    Definition,
    MatrixQuestion,
    Option,
    Page,
    PairedQuestion,
    RatingQuestion,
    ScaleQuestion,
    TextQuestion,
)

Values = dict[str, Any]


@dataclass
class PageResult:
    values: Values = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # form field -> message id


def holds(cond: Condition, values: Mapping[str, Any]) -> bool:
    given = values.get(cond.question)
    if cond.op == "answered":
        return given not in (None, "", [])
    if cond.op == "not_answered":
        return given in (None, "", [])
    if given in (None, "", []):
        return False
    wanted = cond.value if isinstance(cond.value, list) else [cond.value]
    if isinstance(given, list):  # multiple choice: any chosen option counts
        return any(holds(cond, {cond.question: g}) for g in given)
    if cond.op == "in":
        return any(_same(given, w) for w in wanted)
    if cond.op == "eq":
        return _same(given, wanted[0])
    if cond.op == "ne":
        return not _same(given, wanted[0])
    try:
        a, b = float(given), float(wanted[0])  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[cond.op]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) or isinstance(b, int | float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def all_hold(conds: Sequence[Condition], values: Mapping[str, Any]) -> bool:
    return all(holds(c, values) for c in conds)


def next_page(d: Definition, after: int | None, values: Mapping[str, Any]) -> int | None:
    """The index of the page to show after page ``after`` (None: the start), or None: done."""
    start = 0
    if after is not None:
        start = after + 1
        for jump in d.pages[after].jumps:
            if all_hold(jump.when, values):
                if jump.to == "end":
                    return None
                start = d.page_index(jump.to)
                break
    for i in range(start, len(d.pages)):
        if all_hold(d.pages[i].visible_if, values) and visible_questions(d.pages[i], values):
            return i
    return None


def visible_questions(page: Page, values: Mapping[str, Any]) -> list[Any]:
    """The page's questions whose display logic holds (earlier questions on the page count)."""
    shown = []
    for q in page.questions:
        if all_hold(q.visible_if, values):
            shown.append(q)
    return shown


def option_order(options: list[Option], randomize: bool, seed: str) -> list[Option]:
    """Options in definition order, or shuffled stably for one respondent."""
    if not randomize:
        return options
    return sorted(options, key=lambda o: hashlib.sha256(f"{seed}:{o.value}".encode()).digest())


def _number(raw: str, low: int, high: int) -> tuple[int | None, str | None]:
    try:
        value = int(raw)
    except ValueError:
        return None, "Choose one of the numbers shown."
    if not low <= value <= high:
        return None, "Choose one of the numbers shown."
    return value, None


def read_page(page: Page, form: Mapping[str, list[str]], earlier: Mapping[str, Any]) -> PageResult:
    """The page's answers from form fields, with a message per field that is wrong."""
    out = PageResult()
    known: Values = dict(earlier)
    for q in page.questions:
        if not all_hold(q.visible_if, known):
            continue
        name = f"q_{q.id}"
        given = [v for v in form.get(name, []) if v.strip() != ""]
        if isinstance(q, ScaleQuestion | RatingQuestion):
            low, high = SCALES[q.type] if isinstance(q, ScaleQuestion) else (q.min, q.max)
            if given:
                value, problem = _number(given[0], low, high)
                if problem:
                    out.errors[name] = problem
                else:
                    out.values[q.id] = value
        elif isinstance(q, ChoiceQuestion):
            values = {o.value for o in q.options}
            if any(g not in values for g in given):
                out.errors[name] = "Choose one of the options shown."
            elif given:
                out.values[q.id] = given if q.type == "multiple" else given[0]
        elif isinstance(q, TextQuestion):
            if given and len(given[0]) > q.max_length:
                out.errors[name] = "This answer is too long."
            elif given:
                out.values[q.id] = given[0].strip()
        elif isinstance(q, MatrixQuestion):
            _read_matrix(q, form, out)
        elif isinstance(q, PairedQuestion):
            _read_paired(q, form, out)
        if (
            q.required
            and q.id not in out.values
            and not any(k.startswith(name) for k in out.errors)
        ):
            out.errors[name] = "Please answer this question."
        if q.id in out.values:
            known[q.id] = out.values[q.id]
    return out


def _read_matrix(q: MatrixQuestion, form: Mapping[str, list[str]], out: PageResult) -> None:
    columns = {c.value for c in q.columns}
    chosen: dict[str, str] = {}
    for row in q.rows:
        name = f"q_{q.id}__{row.value}"
        given = [v for v in form.get(name, []) if v]
        if given and given[0] not in columns:
            out.errors[name] = "Choose one of the options shown."
        elif given:
            chosen[row.value] = given[0]
        elif q.required:
            out.errors[name] = "Please answer this question."
    if chosen:
        out.values[q.id] = chosen


def _read_paired(q: PairedQuestion, form: Mapping[str, list[str]], out: PageResult) -> None:
    chosen: dict[str, dict[str, int]] = {}
    for a, attr in enumerate(q.attributes):
        for side in PAIRED_SIDES[q.type]:
            name = f"q_{q.id}__{a}__{side}"
            given = [v for v in form.get(name, []) if v]
            if given:
                value, problem = _number(given[0], 1, q.scale)
                if problem:
                    out.errors[name] = problem
                else:
                    chosen.setdefault(attr.id, {})[side] = value  # type: ignore[assignment]
            elif q.required:
                out.errors[name] = "Please answer this question."
    if chosen:
        out.values[q.id] = chosen


def answer_rows(d: Definition, qid: str, value: Any) -> list[dict[str, Any]]:
    """The ``survey_answer`` rows (question, kind, value, text) of one answer."""
    q = d.question(qid)
    if isinstance(q, ScaleQuestion | RatingQuestion):
        return [{"question": q.id, "kind": q.type, "value": float(value), "text": None}]
    if isinstance(q, ChoiceQuestion):
        index = {o.value: i for i, o in enumerate(q.options)}
        chosen = value if isinstance(value, list) else [value]
        return [{"question": q.id, "kind": q.type, "value": float(index[v]), "text": v}
                for v in chosen]  # fmt: skip
    if isinstance(q, TextQuestion):
        return [{"question": q.id, "kind": "text", "value": None, "text": value}]
    if isinstance(q, MatrixQuestion):
        index = {c.value: i for i, c in enumerate(q.columns)}
        return [{"question": f"{q.id}.{row}", "kind": "matrix", "value": float(index[col]),
                 "text": col} for row, col in value.items()]  # fmt: skip
    assert isinstance(q, PairedQuestion)
    return [{"question": attr, "kind": side, "value": float(v), "text": None}
            for attr, sides in value.items() for side, v in sides.items()]  # fmt: skip


def values_from_rows(
    d: Definition, rows: Sequence[tuple[str, str, float | None, str | None]]
) -> Values:
    """Answers as ``read_page`` gives them, rebuilt from stored rows (to resume a response)."""
    paired: dict[tuple[str, str], str] = {}
    for _, q in d.questions():
        if isinstance(q, PairedQuestion):
            paired.update({(q.type, a.id): q.id for a in q.attributes})
    sides = {side: kind for kind, pair in PAIRED_SIDES.items() for side in pair}
    out: Values = {}
    for question, kind, value, text in rows:
        if kind in sides:
            qid = paired.get((sides[kind], question))
            if qid is not None and value is not None:
                out.setdefault(qid, {}).setdefault(question, {})[kind] = int(value)
        elif kind == "matrix":
            qid, _, row = question.partition(".")
            out.setdefault(qid, {})[row] = text
        elif kind == "multiple":
            out.setdefault(question, []).append(text)
        elif kind in ("single", "text", "hidden"):
            out[question] = text
        elif value is not None:
            out[question] = int(value)
    return out


def page_questions(page: Page) -> list[str]:
    return [q.id for q in page.questions]
