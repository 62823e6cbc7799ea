"""The generated reference pages in docs/ match the code."""

from __future__ import annotations

from pathlib import Path

from cxm.reference import PAGES

ROOT = Path(__file__).resolve().parent.parent


def test_generated_reference_pages_are_up_to_date() -> None:
    for rel, render in PAGES.items():
        committed = (ROOT / rel).read_text(encoding="utf-8")
        assert committed == render(), f"{rel} is stale: run `python -m cxm.reference`"


def test_every_command_help_shows_an_example() -> None:
    text = PAGES["docs/reference/cli.md"]()
    sections = text.split("\n## ")[1:]
    for section in sections:
        title = section.splitlines()[0]
        assert "Example" in section, f"{title} has no example in its --help"
