"""The analytics layer's notes and messages, in the page's language.

Driver analysis, quadrants and friction explain what they skipped in English sentences with
figures in them (``drivers``, ``quadrants``, ``friction``), which the JSON API and the CLI
return as they are. Pages read them through ``translate``: each known sentence is matched
with its figures and looked up in the catalogue as a message with placeholders; several
notes joined by "; " are translated one by one; a sentence not known here is shown as it is.
Driver codes inside a note (``late``, ``contact_loop``) are translated like everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Gettext = Callable[[str], str]

_DRIVER = r"(?P<{}>[\w:/.-]+)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (
            r"Too few respondents \((?P<n>\d+); at least (?P<min>\d+) are needed\) for a "
            r"driver analysis: widen the filters or wait for more answers\.",
            "Too few respondents (%(n)s; at least %(min)s are needed) for a driver analysis: "
            "widen the filters or wait for more answers.",
        ),
        (
            r"(?P<k>\d+) of (?P<n>\d+) respondents had it; at least (?P<min>\d+) with and "
            r"without it are needed",
            "%(k)s of %(n)s respondents had it; at least %(min)s with and without it are needed",
        ),
        (
            _DRIVER.format("a") + " and " + _DRIVER.format("b") + r" go together \(correlation "
            r"(?P<r>-?[\d.]+)\); their effects cannot be told apart: keep one",
            "%(a)s and %(b)s go together (correlation %(r)s); their effects cannot be told "
            "apart: keep one",
        ),
        (
            r"(?P<drivers>.+) follow from the other drivers and the controls \(order channel, "
            r"customer segment, city\); drop them or analyse without controls\.",
            "%(drivers)s follow from the other drivers and the controls (order channel, "
            "customer segment, city); drop them or analyse without controls.",
        ),
        (
            r"(?P<drivers>.+) follow from the other drivers; drop them\.",
            "%(drivers)s follow from the other drivers; drop them.",
        ),
        (
            r"outcome: .+ explains the NPS answer, and the outcome is that answer's group; "
            r"keeping only (?P<outcome>\w+)s leaves nothing to explain\. Leave the outcome "
            r"out, or compare groups on the journey map\.",
            "The driver analysis explains the NPS answer, and the outcome is that answer's "
            "group; keeping only the %(outcome)s group leaves nothing to explain. Leave the "
            "outcome out, or compare groups on the journey map.",
        ),
        (
            r"Rating drivers \((?P<drivers>.+)\): (?P<k>\d+) of (?P<n>\d+) respondents have "
            r"every named rating; the others are left out\.",
            "Rating drivers (%(drivers)s): %(k)s of %(n)s respondents have every named rating; "
            "the others are left out.",
        ),
        (
            r"Rating drivers \((?P<drivers>.+)\): (?P<k>\d+) of (?P<n>\d+) respondents have "
            r"every named rating; the others are left out; (?P<u>\d+) rated orders without a "
            r"delivery promise are not analysed \(all orders: all_orders, --all-orders\)\.",
            "Rating drivers (%(drivers)s): %(k)s of %(n)s respondents have every named rating; "
            "the others are left out; %(u)s rated orders without a delivery promise are not "
            "analysed (tick “Also orders without a delivery promise”).",
        ),
        # The same notes when repeat purchase or churn is explained: orders, not respondents.
        (
            r"Rating drivers \((?P<drivers>.+)\): (?P<k>\d+) of (?P<n>\d+) orders have "
            r"every named rating; the others are left out\.",
            "Rating drivers (%(drivers)s): %(k)s of %(n)s orders have every named rating; "
            "the others are left out.",
        ),
        (
            r"Rating drivers \((?P<drivers>.+)\): (?P<k>\d+) of (?P<n>\d+) orders have "
            r"every named rating; the others are left out; (?P<u>\d+) rated orders without a "
            r"delivery promise are not analysed \(all orders: all_orders, --all-orders\)\.",
            "Rating drivers (%(drivers)s): %(k)s of %(n)s orders have every named rating; "
            "the others are left out; %(u)s rated orders without a delivery promise are not "
            "analysed (tick “Also orders without a delivery promise”).",
        ),
        (
            r"Too few orders \((?P<n>\d+); at least (?P<min>\d+) are needed\) for a driver "
            r"analysis: widen the filters or wait for more follow-up\.",
            "Too few orders (%(n)s; at least %(min)s are needed) for a driver analysis: widen "
            "the filters or wait for more follow-up.",
        ),
        (
            r"(?P<k>\d+) of (?P<n>\d+) orders had it; at least (?P<min>\d+) with and "
            r"without it are needed",
            "%(k)s of %(n)s orders had it; at least %(min)s with and without it are needed",
        ),
    )
)
_PAIR = _PATTERNS[2][0]
_PLAIN = (
    "No driver varies enough among respondents.",
    "No driver varies enough among orders.",
    "no CSAT ratings at this touchpoint",
    "no measured harm",
    "no NPS effect under an outcome filter",
    "No NPS effect under an outcome filter: its customers all answer in one NPS group, so "
    "there is no variation to explain; reach and churn are counted.",
)
# Messages made of a translated lead and translated parts.
_COLLINEAR = "Collinear drivers: "
_ALL_STORES = "Importance from all stores: "

MSGIDS: tuple[str, ...] = (
    *(msgid for _, msgid in _PATTERNS),
    *_PLAIN,
    "Collinear drivers: %(notes)s",
    "Importance from all stores: %(reason)s",
    "not significant at 5%%",
)


def _driver(name: str, gettext: Gettext) -> str:
    return ", ".join(gettext(part) for part in name.split(", "))


def _one(text: str, gettext: Gettext) -> str:
    text = text.strip()
    if text in _PLAIN:
        return gettext(text)
    if text == "not significant at 5%":
        return gettext("not significant at 5%%") % {}
    for pattern, msgid in _PATTERNS:
        found = pattern.fullmatch(text)
        if found:
            values = found.groupdict()
            for key in ("a", "b", "drivers", "outcome"):
                if key in values:
                    values[key] = _driver(values[key], gettext)
            return gettext(msgid) % values
    return text


def translate(text: str | None, gettext: Gettext) -> str:
    """``text`` in the catalogue's language where it is a known note, else unchanged."""
    if not text:
        return ""
    if text.startswith(_ALL_STORES):
        inner = translate(text[len(_ALL_STORES) :], gettext)
        return gettext("Importance from all stores: %(reason)s") % {"reason": inner}
    if text.startswith(_COLLINEAR):
        inner = text[len(_COLLINEAR) :]
        whole = _one(inner, gettext)  # drivers that follow from the others: one sentence
        if whole == inner:  # pairs that go together, joined by "; "
            pairs = [m.group(0) for m in _PAIR.finditer(inner)]
            whole = "; ".join(_one(p, gettext) for p in pairs) + "." if pairs else inner
        return gettext("Collinear drivers: %(notes)s") % {"notes": whole}
    whole = _one(text, gettext)
    if whole != text or "; " not in text:
        return whole
    return "; ".join(_one(part, gettext) for part in text.split("; "))
