"""The survey builder's working copy: a draft definition edited by form fields and actions.

The builder keeps no server-side state: every form carries the draft as JSON, the fields a
person edited (texts per language, required, conditions, options, jumps) are folded into it,
then the pressed button's action (add, move, delete a question or page) is applied. Nothing
is saved until "Save", which validates the whole definition and adds a survey version when it
changed, so a page that fails validation loses nothing that was typed.

Conditions and jumps are edited as short text: ``nps le 6``, ``channel in web,app``,
``comment answered``; several conditions are joined by ``and``; a jump is
``nps le 6 -> end`` (one per line).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from cxm.core.errors import Fault, ValidationError
from cxm.surveys.definition import PAIRED_SIDES, QUESTION_TYPES, SCALES

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "answered", "not_answered")
MAX_QUESTIONS = 200
_LANG = re.compile(r"^[a-z]{2}$")


def blank_definition(languages: list[str]) -> dict[str, Any]:
    return {"languages": languages, "pages": [{"id": "p1", "questions": []}]}


def _texts(langs: list[str]) -> dict[str, str]:
    return dict.fromkeys(langs, "")


def new_question(qtype: str, qid: str, langs: list[str]) -> dict[str, Any]:
    """A question of the type with empty texts in every language, ready to be filled in."""
    if qtype not in QUESTION_TYPES:
        raise ValidationError(f"Unknown question type {qtype!r}.", [Fault("unknown", "type")])
    q: dict[str, Any] = {"id": qid, "type": qtype, "text": _texts(langs), "required": False}
    if qtype == "rating":
        q.update(min=1, max=5)
    elif qtype in ("single", "multiple"):
        q["options"] = [{"value": f"o{i}", "text": _texts(langs)} for i in (1, 2)]
    elif qtype == "matrix":
        q["rows"] = [{"value": "r1", "text": _texts(langs)}]
        q["columns"] = [{"value": f"c{i}", "text": _texts(langs)} for i in (1, 2)]
    elif qtype in PAIRED_SIDES:
        q.update(attributes=[{"id": "attribute 1", "text": _texts(langs)}], scale=7)
        q["sides"] = {side: _texts(langs) for side in PAIRED_SIDES[qtype]}
    return q


def _fresh_id(draft: dict[str, Any], prefix: str) -> str:
    taken = {q["id"] for page in draft["pages"] for q in page["questions"]}
    taken |= {page["id"] for page in draft["pages"]}
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def parse_conditions(text: str, field: str) -> list[dict[str, Any]]:
    """``nps le 6 and channel in web,app`` -> conditions; a fault names the field."""
    out: list[dict[str, Any]] = []
    for part in (p.strip() for p in re.split(r"\s+and\s+", text.strip()) if p.strip()):
        words = part.split(None, 2)
        if len(words) < 2 or words[1] not in OPERATORS:
            reason = f"write 'question operator value' with an operator of {', '.join(OPERATORS)}"
            raise ValidationError("A condition is not readable.", [Fault(reason, field)])
        cond: dict[str, Any] = {"question": words[0], "op": words[1]}
        if words[1] not in ("answered", "not_answered"):
            if len(words) < 3:
                raise ValidationError(
                    "A condition is not readable.", [Fault(f"'{part}' needs a value", field)]
                )
            raw = words[2].strip()
            if words[1] == "in":
                cond["value"] = [_scalar(v.strip()) for v in raw.split(",") if v.strip()]
            else:
                cond["value"] = _scalar(raw)
        out.append(cond)
    return out


def _scalar(raw: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


def show_conditions(conditions: list[dict[str, Any]] | None) -> str:
    parts = []
    for c in conditions or []:
        value = c.get("value")
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        parts.append(" ".join(str(x) for x in (c["question"], c["op"], value) if x is not None))
    return " and ".join(parts)


def parse_jumps(text: str, field: str) -> list[dict[str, Any]]:
    jumps = []
    for line in (ln.strip() for ln in text.splitlines() if ln.strip()):
        if "->" not in line:
            raise ValidationError(
                "A jump is not readable.", [Fault("write 'condition -> page id or end'", field)]
            )
        when, to = (s.strip() for s in line.rsplit("->", 1))
        jumps.append({"when": parse_conditions(when, field), "to": to})
    return jumps


def show_jumps(jumps: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{show_conditions(j['when'])} -> {j['to']}" for j in jumps or [])


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def _fold_items(
    items: list[dict[str, Any]], key: str, form: Mapping[str, str], base: str, langs: list[str]
) -> list[dict[str, Any]]:
    """Options/rows/columns/attributes: ids one per line, texts one per line per language."""
    ids = _lines(form.get(f"{base}.ids", "\n".join(str(it[key]) for it in items)))
    folded = []
    for n, ident in enumerate(ids):
        text: dict[str, str] = {}
        for lang in langs:
            texts = form.get(f"{base}.{lang}")
            lines = texts.splitlines() if texts is not None else None
            old = items[n]["text"].get(lang, "") if n < len(items) and items[n].get("text") else ""
            text[lang] = lines[n].strip() if lines is not None and n < len(lines) else old
        folded.append({key: ident, "text": text})
    return folded


def fold_form(draft: dict[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """The draft with every edited field of the form written into it."""
    d = copy.deepcopy(draft)
    if "languages" in form:
        langs = [x.strip().lower() for x in form["languages"].split(",") if x.strip()]
        bad = [x for x in langs if not _LANG.match(x)]
        if bad or not langs:
            raise ValidationError(
                "Languages are two-letter codes separated by commas.",
                [Fault(f"not a language code: {', '.join(bad) or '(none)'}", "languages")],
            )
        d["languages"] = list(dict.fromkeys(langs))
    langs = d["languages"]
    for key in ("title", "intro", "thanks"):
        if any(f"{key}.{lang}" in form for lang in langs):
            d[key] = {lang: form.get(f"{key}.{lang}", "").strip() for lang in langs}
    for p, page in enumerate(d["pages"]):
        pb = f"p.{p}"
        if any(f"{pb}.title.{lang}" in form for lang in langs):
            title = {lang: form.get(f"{pb}.title.{lang}", "").strip() for lang in langs}
            page["title"] = title if any(title.values()) else None
        if f"{pb}.if" in form:
            page["visible_if"] = parse_conditions(form[f"{pb}.if"], f"pages[{p}].visible_if")
        if f"{pb}.jumps" in form:
            page["jumps"] = parse_jumps(form[f"{pb}.jumps"], f"pages[{p}].jumps")
        for i, q in enumerate(page["questions"]):
            _fold_question(q, form, f"q.{p}.{i}", f"pages[{p}].questions[{i}]", langs)
    return _drop_empty(d)


def _fold_question(
    q: dict[str, Any], form: Mapping[str, str], qb: str, path: str, langs: list[str]
) -> None:
    if f"{qb}.id" in form:
        q["id"] = form[f"{qb}.id"].strip()
    if any(f"{qb}.text.{lang}" in form for lang in langs):
        q["text"] = {lang: form.get(f"{qb}.text.{lang}", "").strip() for lang in langs}
    if f"{qb}.seen" in form:  # checkboxes send nothing when unticked
        q["required"] = f"{qb}.required" in form
        if q["type"] in ("single", "multiple"):
            q["randomize"] = f"{qb}.randomize" in form
    if f"{qb}.if" in form:
        q["visible_if"] = parse_conditions(form[f"{qb}.if"], f"{path}.visible_if")
    for key, ident in (("options", "value"), ("rows", "value"), ("columns", "value")):
        if key in q:
            q[key] = _fold_items(q[key], ident, form, f"{qb}.{key}", langs)
    if "attributes" in q:
        q["attributes"] = _fold_items(q["attributes"], "id", form, f"{qb}.attributes", langs)
        for side in q["sides"]:
            if any(f"{qb}.side.{side}.{lang}" in form for lang in langs):
                q["sides"][side] = {
                    lang: form.get(f"{qb}.side.{side}.{lang}", "").strip() for lang in langs
                }
    for bound in ("min", "max", "scale"):
        raw = form.get(f"{qb}.{bound}")
        if raw is not None and bound in q:
            try:
                q[bound] = int(raw)
            except ValueError as exc:
                raise ValidationError(
                    "A number is expected.", [Fault("not a whole number", f"{path}.{bound}")]
                ) from exc


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    for key in ("title", "intro", "thanks"):
        if isinstance(d.get(key), dict) and not any(d[key].values()):
            d.pop(key)
    return d


def apply_action(draft: dict[str, Any], action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The draft after one builder button: add/up/down/delete/next/prev of questions and pages."""
    d = copy.deepcopy(draft)
    verb, *args = action.split(":")
    try:
        nums = [int(a) for a in args]
    except ValueError as exc:
        raise ValidationError("Unknown builder action.", [Fault(action, "action")]) from exc
    pages = d["pages"]
    if verb == "add":
        qtype = form.get(f"p.{nums[0]}.new", "nps")
        if sum(len(p["questions"]) for p in pages) >= MAX_QUESTIONS:
            raise ValidationError(
                "Too many questions.", [Fault(f"at most {MAX_QUESTIONS}", "pages")]
            )
        prefix = qtype if qtype in SCALES else "q"
        fresh = new_question(qtype, _fresh_id(d, prefix), d["languages"])
        pages[nums[0]]["questions"].append(fresh)
    elif verb in ("up", "down"):
        p, i = nums
        qs = pages[p]["questions"]
        j = i - 1 if verb == "up" else i + 1
        if 0 <= j < len(qs):
            qs[i], qs[j] = qs[j], qs[i]
    elif verb in ("next", "prev"):
        p, i = nums
        target = p + 1 if verb == "next" else p - 1
        if 0 <= target < len(pages):
            pages[target]["questions"].insert(
                0 if verb == "next" else len(pages[target]["questions"]),
                pages[p]["questions"].pop(i),
            )
    elif verb == "delete":
        p, i = nums
        pages[p]["questions"].pop(i)
    elif verb == "page_add":
        pages.append({"id": _fresh_id(d, "p"), "questions": []})
    elif verb == "page_delete":
        if len(pages) > 1:
            pages.pop(nums[0])
    elif verb in ("page_up", "page_down"):
        p = nums[0]
        j = p - 1 if verb == "page_up" else p + 1
        if 0 <= j < len(pages):
            pages[p], pages[j] = pages[j], pages[p]
    elif verb not in ("refresh", "save", "preview"):
        raise ValidationError("Unknown builder action.", [Fault(action, "action")])
    return d


def load_draft(raw: str) -> dict[str, Any]:
    """The draft carried by the form; a tampered or broken one is refused, never guessed."""
    try:
        d: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError("The draft is not JSON.", [Fault(str(exc), "draft")]) from exc
    ok = (
        isinstance(d, dict)
        and isinstance(d.get("languages"), list)
        and isinstance(d.get("pages"), list)
        and all(isinstance(p, dict) and isinstance(p.get("questions"), list) for p in d["pages"])
    )
    if not ok:
        raise ValidationError("The draft is not a survey definition.", [Fault("shape", "draft")])
    return dict(d)
