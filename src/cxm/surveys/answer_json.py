"""Answers given as JSON: typed values per question id, read and stored as the pages do.

A JSON page of answers maps question ids to values: a number for scales and ratings, an
option's value for single choice, a list of values for multiple choice, a string for text,
``{row: column}`` for a matrix and ``{attribute: {side: number}}`` for paired questions. The
values are checked for type here, turned into the form fields the answering pages post, and
read by :func:`cxm.surveys.answering.read_page`, so ranges, options, lengths, required
questions and display logic are judged exactly as on the pages. Every fault names the
question (``id``) and the answer's path (``field``, e.g. ``answers.grid.courier``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cxm.core.db import Database
from cxm.core.errors import Conflict, Fault
from cxm.surveys import limits
from cxm.surveys.answering import PageResult, Values, all_hold, next_page, read_page
from cxm.surveys.definition import (
    PAIRED_SIDES,
    SCALES,
    ChoiceQuestion,
    Definition,
    MatrixQuestion,
    PairedQuestion,
    RatingQuestion,
    ScaleQuestion,
    TextQuestion,
)
from cxm.surveys.respondents import due_page
from cxm.surveys.responses import Respondent, save_page

Form = dict[str, list[str]]


@dataclass
class JsonPage:
    """One page's answers as read: the valid values and a fault per answer that is not."""

    result: PageResult
    faults: list[Fault] = field(default_factory=list)


def _fault(qid: str, path: str, reason: str) -> Fault:
    return Fault(reason, "answers." + path, record_id=qid)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _to_form(q: Any, value: Any, out: Form) -> str | None:
    """Form fields for one answer in ``out``, or why its type is wrong."""
    name = f"q_{q.id}"
    if isinstance(q, ScaleQuestion | RatingQuestion):
        if not _whole(value):
            return "must be a whole number"
        out[name] = [str(value)]
    elif isinstance(q, ChoiceQuestion) and q.type == "multiple":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of option values"
        out[name] = list(value)
    elif isinstance(q, ChoiceQuestion | TextQuestion):
        if not isinstance(value, str):
            return "must be a string" if isinstance(q, TextQuestion) else "must be an option value"
        out[name] = [value]
    elif isinstance(q, MatrixQuestion):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            return "must be an object of row: column value"
        out.update({f"{name}__{row}": [col] for row, col in value.items()})
    elif isinstance(q, PairedQuestion):
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            return "must be an object of attribute: {side: number}"
        index = {a.id: i for i, a in enumerate(q.attributes)}
        for attr, sides in value.items():
            for side, number in sides.items():
                if attr in index and _whole(number):
                    out[f"{name}__{index[attr]}__{side}"] = [str(number)]
    return None


def _paths(q: Any) -> dict[str, str]:
    """Each form field a question reads, with the path of its answer in JSON."""
    name = f"q_{q.id}"
    if isinstance(q, MatrixQuestion):
        return {f"{name}__{row.value}": f"{q.id}.{row.value}" for row in q.rows}
    if isinstance(q, PairedQuestion):
        return {
            f"{name}__{i}__{side}": f"{q.id}.{a.id}.{side}"
            for i, a in enumerate(q.attributes)
            for side in PAIRED_SIDES[q.type]
        }
    return {name: q.id}


def _extra_keys(q: Any, value: Any) -> list[tuple[str, str]]:
    """Rows, attributes or sides in a matrix or paired answer that the question does not have."""
    if isinstance(q, MatrixQuestion) and isinstance(value, dict):
        rows = {r.value for r in q.rows}
        return [(f"{q.id}.{k}", "is not a row of this question") for k in value if k not in rows]
    if isinstance(q, PairedQuestion) and isinstance(value, dict):
        attrs, sides = {a.id for a in q.attributes}, set(PAIRED_SIDES[q.type])
        out = [(f"{q.id}.{k}", "is not an attribute of this question") for k in value
               if k not in attrs]  # fmt: skip
        for k, given in value.items():
            if k in attrs and isinstance(given, dict):
                out += [(f"{q.id}.{k}.{s}", f"must be one of the sides {sorted(sides)}")
                        for s in given if s not in sides]  # fmt: skip
                out += [(f"{q.id}.{k}.{s}", "must be a whole number")
                        for s, n in given.items() if s in sides and not _whole(n)]  # fmt: skip
        return out
    return []


def _reason(q: Any, message: str) -> str:
    """The API's wording of a page's message, with the bounds the question sets."""
    if message == "Please answer this question.":
        return "is required"
    if message == "This answer is too long.":
        return f"is longer than {q.max_length} characters"
    if message == "Choose one of the numbers shown.":
        if isinstance(q, ScaleQuestion | RatingQuestion):
            low, high = SCALES[q.type] if isinstance(q, ScaleQuestion) else (q.min, q.max)
        else:
            low, high = 1, q.scale
        return f"must be a whole number from {low} to {high}"
    options = q.columns if isinstance(q, MatrixQuestion) else q.options
    return "must be one of " + ", ".join(repr(o.value) for o in options)


def read_json_page(
    d: Definition, page_index: int, answers: Mapping[str, Any], earlier: Values
) -> JsonPage:
    """Read one page's JSON answers.

    ``earlier`` holds the answers stored so far; those of this page count as given unless
    ``answers`` replaces them (``null`` clears one), so a page can be sent in parts.
    """
    page = d.pages[page_index]
    on_page = {q.id: q for q in page.questions}
    pages_of = {q.id: d.pages[i].id for i, q in d.questions()}
    given = {**{k: v for k, v in earlier.items() if k in on_page}, **answers}
    form: Form = {}
    faults: list[Fault] = []
    for qid, value in given.items():
        q = on_page.get(qid)
        if q is None:
            where = pages_of.get(qid)
            reason = (
                f"is on page {where!r}, not on page {page.id!r} (the page due)"
                if where
                else "is not a question of this survey"
            )
            faults.append(_fault(qid, qid, reason))
            continue
        if value is None:
            continue
        problem = _to_form(q, value, form)
        if problem:
            faults.append(_fault(qid, qid, problem))
            form.pop(f"q_{qid}", None)
            continue
        faults += [_fault(qid, path, why) for path, why in _extra_keys(q, value)]
    result = read_page(page, form, earlier)
    faulted = {f.field for f in faults}
    known = {**earlier, **result.values}
    for q in page.questions:
        paths = _paths(q)
        for name, message in result.errors.items():
            path = paths.get(name)
            if path is None or {"answers." + path, "answers." + q.id} & faulted:
                continue  # already said why, more precisely
            faults.append(_fault(q.id, path, _reason(q, message)))
        if q.id in answers and answers[q.id] is not None and not all_hold(q.visible_if, known):
            faults.append(_fault(q.id, q.id, "is not shown: its display logic does not hold"))
    return JsonPage(result, faults)


@dataclass(frozen=True)
class Submitted:
    """What became of one submitted page."""

    response_id: int | None  # None: nothing stored yet
    status: str  # new (nothing stored), partial or complete
    next_page: str | None  # the page due now (the same page again when it had faults)
    stored: list[str]  # question ids of this page with a stored answer
    faults: list[Fault]


def submit_page(
    db: Database,
    r: Respondent,
    answers: Mapping[str, Any],
    page_id: str | None,
    rate: tuple[str, int],
) -> Submitted:
    """Store one page of JSON answers for the respondent, counting the post under ``rate``.

    Valid answers are stored even when others on the page are not: the response then stays
    partial on this page and the faults say what to send again. A clean page moves the
    response on, or completes it. Raises Conflict when the response is already complete or
    ``page_id`` is not the page due, LinkProblem("used") when a concurrent submit completed
    it first, and limits.RateLimited when over the limit.
    """
    index, state = due_page(db, r)
    if index is None:
        raise Conflict("This response is already complete.")
    page = r.definition.pages[index]
    if page_id is not None and page_id != page.id:
        if not limits.hit(db, *rate):
            raise limits.RateLimited()
        raise Conflict(f"Page {page_id!r} is not the one due; page {page.id!r} is.")
    read = read_json_page(r.definition, index, answers, state.values)
    values = read.result.values
    stored = [q.id for q in page.questions if q.id in values]
    if read.faults:
        if not values:
            if not limits.hit(db, *rate):
                raise limits.RateLimited()
            status = state.status or "new"
            return Submitted(r.response_id, status, page.id, [], read.faults)
        rid = save_page(db, r, index, values, page.id, None, rate)
        return Submitted(rid, "partial", page.id, stored, read.faults)
    following = next_page(r.definition, index, {**state.values, **values})
    following_id = r.definition.pages[following].id if following is not None else None
    rid = save_page(db, r, index, values, following_id, None, rate)
    done = following_id is None
    return Submitted(rid, "complete" if done else "partial", following_id, stored, [])
