"""Reading a SurveyJS JSON definition into cxm's format (for the question types cxm has).

SurveyJS element types map as: rating 0-10 -> nps (1-5 -> csat and 1-7 -> ces when the
element says ``"cxmType"``, else rating); radiogroup/dropdown -> single; checkbox ->
multiple; comment/text -> text; matrix -> matrix (or a paired type with ``"cxmType"``).
Localised strings ({"default": ..., "uk": ...}) become translations; ``visibleIf``
expressions of the form ``{q} op value`` joined by ``and`` become conditions.
"""

from __future__ import annotations

import re
from typing import Any

from cxm.core.errors import Fault, ValidationError

_OPS = {"=": "eq", "==": "eq", "!=": "ne", "<>": "ne", "<": "lt", "<=": "le", ">": "gt",
        ">=": "ge"}  # fmt: skip
_TERM = re.compile(r"^\{([^}]+)\}\s*(=|==|!=|<>|<=|>=|<|>)\s*(.+)$")
_EMPTY = re.compile(r"^\{([^}]+)\}\s+(notempty|empty)$", re.IGNORECASE)


def is_surveyjs(raw: object) -> bool:
    if not isinstance(raw, dict) or "languages" in raw:
        return False
    pages = raw.get("pages")
    if isinstance(pages, list) and pages and isinstance(pages[0], dict):
        return "elements" in pages[0]
    return "elements" in raw


def _texts(value: Any, default_language: str, fallback: str | None = None) -> dict[str, str]:
    if value is None:
        value = fallback
    if isinstance(value, dict):
        return {(default_language if k == "default" else k): str(v) for k, v in value.items()}
    return {default_language: str(value)} if value is not None else {}


def _languages(raw: dict[str, Any], default_language: str) -> list[str]:
    found: set[str] = {default_language}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("title", "text", "description") and isinstance(value, dict):
                    found.update(k for k in value if k != "default")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(raw)
    return sorted(found)


def _literal(text: str) -> float | str:
    text = text.strip().strip("'\"")
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def _conditions(expr: str | None, where: str) -> list[dict[str, Any]]:
    if not expr:
        return []
    out: list[dict[str, Any]] = []
    for term in re.split(r"\s+and\s+", expr.strip(), flags=re.IGNORECASE):
        term = term.strip().strip("()").strip()
        if m := _EMPTY.match(term):
            op = "answered" if m.group(2).lower() == "notempty" else "not_answered"
            out.append({"question": m.group(1), "op": op})
        elif m := _TERM.match(term):
            out.append({"question": m.group(1), "op": _OPS[m.group(2)],
                        "value": _literal(m.group(3))})  # fmt: skip
        else:
            raise ValidationError(
                "The SurveyJS condition cannot be read.",
                [Fault(f"cxm reads '{{q}} op value' joined by 'and', not {expr!r}", where)],
            )
    return out


def _choices(items: list[Any], lang: str) -> list[dict[str, Any]]:
    out = []
    for item in items:
        if isinstance(item, dict):
            value = str(item.get("value"))
            out.append({"value": value, "text": _texts(item.get("text"), lang, value)})
        else:
            out.append({"value": str(item), "text": _texts(None, lang, str(item))})
    return out


def _element(el: dict[str, Any], lang: str, where: str) -> dict[str, Any]:
    kind, name = el.get("type"), str(el.get("name", ""))
    q: dict[str, Any] = {"id": name, "required": bool(el.get("isRequired", False))}
    if el.get("title") is not None or kind != "matrix":
        q["text"] = _texts(el.get("title"), lang, name)
    q["visible_if"] = _conditions(el.get("visibleIf"), f"{where}.visibleIf")
    explicit = el.get("cxmType")
    if kind == "rating":
        low = int(el.get("rateMin", 1))
        high = int(el.get("rateMax", low + int(el.get("rateCount", 5)) - 1))
        if explicit in ("nps", "csat", "ces") or (low, high) == (0, 10):
            q["type"] = explicit or "nps"
        else:
            q.update({"type": "rating", "min": low, "max": high})
    elif kind in ("radiogroup", "dropdown", "checkbox"):
        q["type"] = "multiple" if kind == "checkbox" else "single"
        q["options"] = _choices(el.get("choices", []), lang)
        q["randomize"] = el.get("choicesOrder") == "random"
    elif kind in ("comment", "text"):
        q["type"] = "text"
        q["multiline"] = kind == "comment"
    elif kind == "matrix" and explicit in ("expectation_perception", "ideal_accepted"):
        cols = _choices(el.get("columns", []), lang)
        q.update({"type": explicit, "scale": int(el.get("cxmScale", 7)),
                  "attributes": [{"id": r["value"], "text": r["text"]}
                                 for r in _choices(el.get("rows", []), lang)],
                  "sides": {c["value"]: c["text"] for c in cols}})  # fmt: skip
        if "text" in q and el.get("title") is None:
            q.pop("text")
    elif kind == "matrix":
        q.update({"type": "matrix", "rows": _choices(el.get("rows", []), lang),
                  "columns": _choices(el.get("columns", []), lang)})  # fmt: skip
    else:
        raise ValidationError(
            "The SurveyJS definition has a question type cxm does not ask.",
            [Fault(f"unsupported SurveyJS type {kind!r}", f"{where}.type", None, name or None)],
        )
    return q


def from_surveyjs(raw: dict[str, Any]) -> dict[str, Any]:
    """A cxm definition (not yet validated) from a SurveyJS JSON definition."""
    lang = str(raw.get("locale") or "en")
    pages_raw = raw.get("pages") or [{"name": "p1", "elements": raw.get("elements", [])}]
    pages: list[dict[str, Any]] = []
    hidden: list[str] = []
    for p, page in enumerate(pages_raw):
        questions = []
        for e, el in enumerate(page.get("elements", [])):
            where = f"pages[{p}].elements[{e}]"
            if el.get("type") == "html" or (
                el.get("type") == "text" and el.get("visible") is False
            ):
                if el.get("type") == "text":
                    hidden.append(str(el.get("name")))
                continue
            questions.append(_element(el, lang, where))
        out: dict[str, Any] = {"id": str(page.get("name") or f"p{p + 1}"), "questions": questions}
        if page.get("title") is not None:
            out["title"] = _texts(page.get("title"), lang)
        if page.get("visibleIf"):
            out["visible_if"] = _conditions(page.get("visibleIf"), f"pages[{p}].visibleIf")
        pages.append(out)
    definition: dict[str, Any] = {"languages": _languages(raw, lang), "pages": pages}
    if hidden:
        definition["hidden"] = hidden
    if raw.get("title") is not None:
        definition["title"] = _texts(raw.get("title"), lang)
    if raw.get("completedHtml") is not None:
        definition["thanks"] = _texts(raw.get("completedHtml"), lang)
    return definition
