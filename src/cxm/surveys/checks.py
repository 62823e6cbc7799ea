"""Validating a survey definition: each fault names its JSON path and the question at fault."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError as PydanticError

from cxm.core.errors import Fault, ValidationError
from cxm.surveys.definition import (
    QUESTION_TYPES,
    SCALES,
    ChoiceQuestion,
    Condition,
    Definition,
    MatrixQuestion,
    PairedQuestion,
    RatingQuestion,
    ScaleQuestion,
)


def json_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in QUESTION_TYPES and out.endswith("]") and ".questions[" in "." + out:
            continue  # pydantic names the union member; the path does not need it
        else:
            out += ("." if out else "") + str(part)
    return out or "$"


def _question_at(raw: Any, loc: Sequence[int | str]) -> str | None:
    """The id of the question a raw path points into, if any."""
    node, found = raw, None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "type" in node and isinstance(node.get("id"), str):
            found = node["id"]
    return found


def parse_definition(raw: object) -> Definition:
    """The definition, or ValidationError listing every fault with its path."""
    if isinstance(raw, dict) and "pages" not in raw and "questions" not in raw:
        raise ValidationError(
            "A survey definition needs pages of questions.",
            [Fault("missing: a definition has 'pages' (or 'questions')", "pages")],
        )
    try:
        definition = Definition.model_validate(raw)
    except PydanticError as exc:
        faults = [
            Fault(err["msg"], json_path(err["loc"]), None, _question_at(raw, err["loc"]))
            for err in exc.errors(include_url=False)
        ]
        raise ValidationError("The survey definition is not valid.", faults) from exc
    faults = list(_logic_faults(definition))
    if faults:
        raise ValidationError("The survey definition is not valid.", faults)
    return definition


def _texts(d: Definition) -> Iterator[tuple[str, dict[str, str], str | None]]:
    for key in ("title", "intro", "thanks"):
        value = getattr(d, key)
        if value is not None:
            yield key, value, None
    for p, page in enumerate(d.pages):
        if page.title is not None:
            yield f"pages[{p}].title", page.title, None
        for i, q in enumerate(page.questions):
            base = f"pages[{p}].questions[{i}]"
            if q.text is not None:
                yield f"{base}.text", q.text, q.id
            if isinstance(q, ChoiceQuestion):
                for o, opt in enumerate(q.options):
                    yield f"{base}.options[{o}].text", opt.text, q.id
            if isinstance(q, MatrixQuestion):
                for kind in ("rows", "columns"):
                    for o, opt in enumerate(getattr(q, kind)):
                        yield f"{base}.{kind}[{o}].text", opt.text, q.id
            if isinstance(q, RatingQuestion):
                for kind in ("low_label", "high_label"):
                    if getattr(q, kind) is not None:
                        yield f"{base}.{kind}", getattr(q, kind), q.id
            if isinstance(q, PairedQuestion):
                for side, texts in q.sides.items():
                    yield f"{base}.sides.{side}", texts, q.id
                for a, attr in enumerate(q.attributes):
                    if attr.text is not None:
                        yield f"{base}.attributes[{a}].text", attr.text, q.id


def _logic_faults(d: Definition) -> Iterator[Fault]:
    languages = list(dict.fromkeys(d.languages))
    for path, texts, qid in _texts(d):
        for lang in languages:
            if not (texts.get(lang) or "").strip():
                yield Fault(f"missing the {lang!r} translation", f"{path}.{lang}", None, qid)
        for lang in texts:
            if lang not in languages:
                yield Fault(f"{lang!r} is not one of the survey's languages", f"{path}.{lang}")
    seen: dict[str, str] = {}
    pages_seen: set[str] = set()
    attributes: dict[tuple[str, str], str] = {}
    for p, page in enumerate(d.pages):
        if page.id in pages_seen:
            yield Fault(f"duplicate page id {page.id!r}", f"pages[{p}].id")
        pages_seen.add(page.id)
        # Pages work without JavaScript: a question shows or hides on earlier pages' answers.
        before_page = set(seen)
        yield from _conditions(d, page.visible_if, f"pages[{p}].visible_if", before_page, None)
        for i, q in enumerate(page.questions):
            base = f"pages[{p}].questions[{i}]"
            if q.id in seen:
                yield Fault(f"duplicate question id {q.id!r} (first at {seen[q.id]})",
                            f"{base}.id", None, q.id)  # fmt: skip
            if q.text is None and not isinstance(q, PairedQuestion):
                yield Fault("missing the question text", f"{base}.text", None, q.id)
            yield from _conditions(d, q.visible_if, f"{base}.visible_if", before_page, q.id)
            if isinstance(q, PairedQuestion):
                for a, attr in enumerate(q.attributes):
                    key = (q.type, attr.id)
                    if key in attributes:
                        yield Fault(f"attribute {attr.id!r} is already asked in {attributes[key]}",
                                    f"{base}.attributes[{a}].id", None, q.id)  # fmt: skip
                    attributes[key] = q.id
            if isinstance(q, ChoiceQuestion | MatrixQuestion):
                for kind in ("options", "rows", "columns"):
                    values = [o.value for o in getattr(q, kind, [])]
                    for o, value in enumerate(values):
                        if value in values[:o]:
                            yield Fault(f"duplicate value {value!r}", f"{base}.{kind}[{o}].value",
                                        None, q.id)  # fmt: skip
            seen.setdefault(q.id, base)
        later = {pg.id for pg in d.pages[p + 1 :]} | {"end"}
        for j, jump in enumerate(page.jumps):
            if jump.to not in later:
                yield Fault(f"jumps to {jump.to!r}, which is not a later page (or 'end')",
                            f"pages[{p}].jumps[{j}].to")  # fmt: skip
            in_reach = set(seen)
            yield from _conditions(d, jump.when, f"pages[{p}].jumps[{j}].when", in_reach, None)
    for h, name in enumerate(d.hidden):
        if name in d.hidden[:h]:
            yield Fault(f"duplicate hidden field {name!r}", f"hidden[{h}]")


def _conditions(
    d: Definition, conds: list[Condition], path: str, earlier: set[str], qid: str | None
) -> Iterator[Fault]:
    for c, cond in enumerate(conds):
        where = f"{path}[{c}]"
        if cond.question in d.hidden:
            continue
        if cond.question not in earlier:
            yield Fault(f"refers to {cond.question!r}, which is not asked on an earlier page",
                        f"{where}.question", None, qid)  # fmt: skip
            continue
        target = d.question(cond.question)
        values = cond.value if isinstance(cond.value, list) else [cond.value]
        if cond.op in ("answered", "not_answered"):
            continue
        if isinstance(target, ChoiceQuestion):
            known = {o.value for o in target.options}
            for v in values:
                if str(v) not in known:
                    yield Fault(f"{v!r} is not an option of {cond.question!r}",
                                f"{where}.value", None, qid)  # fmt: skip
        elif isinstance(target, ScaleQuestion | RatingQuestion):
            low, high = (
                SCALES[target.type] if isinstance(target, ScaleQuestion)
                else (target.min, target.max)
            )  # fmt: skip
            for v in values:
                if not isinstance(v, int | float) or not low <= v <= high:
                    yield Fault(f"{v!r} is outside {cond.question!r}'s {low}-{high}",
                                f"{where}.value", None, qid)  # fmt: skip
        elif isinstance(target, MatrixQuestion | PairedQuestion):
            yield Fault(f"logic cannot test the {target.type} question {cond.question!r}",
                        f"{where}.question", None, qid)  # fmt: skip
