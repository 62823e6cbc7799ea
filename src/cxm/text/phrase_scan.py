"""Hundreds of named phrase patterns searched in one pass, at the cost of a few.

A regular expression that alternates hundreds of phrases tries each of them at every word
of a text. ``PhraseScan`` takes the same named alternatives and, from their parsed form,
the characters each can start with; its pattern first looks at a word's first character
and tries only the alternatives that can start there, in their original order. It finds
exactly what ``re.finditer`` over the plain alternation finds (``tests`` compare the two
on the labelled sets); ``match.lastgroup`` names the alternative's group as given.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # the stdlib parser of ``re``
_C: Any = importlib.import_module("re._constants")
_ZERO_WIDTH = {_C.AT, _C.ASSERT, _C.ASSERT_NOT}
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT}


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` ("a|(b|c)d" -> ["a", "(b|c)d"])."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class: "]" right after "[" or "[^" is literal
            i += 2 if pattern.startswith("[^", i) else 1
            i = pattern.index("]", i + 1) + 1
            continue
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with; None when it could start with
    almost any (a class like ``\\w``, or a pattern that may match nothing)."""
    chars, empty = _first(_parser.parse(pattern))
    return None if chars is None or empty else frozenset(chars)


def _first(items: Any) -> tuple[set[str] | None, bool]:
    """(first characters or None for "any", whether the sequence can match nothing)."""
    found: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is _C.LITERAL:
            return found | {chr(av)}, False
        if op is _C.IN:
            chars = _in_chars(av)
            return (None if chars is None else found | chars), False
        if op is _C.SUBPATTERN:
            sub, empty = _first(av[-1])
        elif op is _C.BRANCH:
            subs = [_first(branch) for branch in av[1]]
            if any(s is None for s, _ in subs):
                return None, False
            sub = set().union(*(s or set() for s, _ in subs))
            empty = any(e for _, e in subs)
        elif op in _REPEATS:
            sub, empty = _first(av[2])
            empty = empty or av[0] == 0
        else:  # any character, a category, a back reference ...
            return None, False
        if sub is None:
            return None, False
        found |= sub
        if not empty:
            return found, False
    return found, True


def _in_chars(av: Any) -> set[str] | None:
    """The characters of a ``[...]`` class, or None for a negated or category class."""
    chars: set[str] = set()
    for op, value in av:
        if op is _C.LITERAL:
            chars.add(chr(value))
        elif op is _C.RANGE and value[1] - value[0] < 256:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars


class PhraseScan:
    """``named`` (group name, alternatives) pairs searched as the alternation of
    ``(?P<name>alternative)`` in their order would be, but dispatched on the first
    character. Every alternative must start with a word boundary (``\\b``)."""

    def __init__(self, named: list[tuple[str, list[str]]]) -> None:
        alts = [(name, alt) for name, listed in named for alt in listed]
        firsts = [first_chars(alt) for _, alt in alts]
        keys = sorted(set().union(*(f for f in firsts if f is not None)))
        self.names: dict[str, str] = {}
        branches = []
        for key in [*keys, None]:
            chosen = [i for i, f in enumerate(firsts) if f is None or (key and key in f)]
            if not chosen:
                continue
            groups: list[tuple[str, str, int]] = []
            for i in chosen:  # consecutive alternatives of one name stay one group
                name, alt = alts[i]
                if groups and groups[-1][0] == name and groups[-1][2] == i - 1:
                    groups[-1] = (name, f"{groups[-1][1]}|{alt}", i)
                else:
                    groups.append((name, alt, i))
            body = []
            for name, alt, _ in groups:
                label = f"g{len(self.names)}"
                self.names[label] = name
                body.append(f"(?P<{label}>{alt})")
            guard = f"(?={re.escape(key)})" if key is not None else ""
            branches.append(guard + "(?:" + "|".join(body) + ")")
        self.pattern = re.compile(r"\b(?:" + "|".join(branches) + ")")

    def finditer(self, text: str) -> Iterator[tuple[str, re.Match[str]]]:
        """(the alternative's name, its match) for each non-overlapping match, in order."""
        for m in self.pattern.finditer(text):
            yield self.names[m.lastgroup or ""], m
