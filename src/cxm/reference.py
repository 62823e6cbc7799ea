"""Reference pages generated from the code: the CLI and the settings (kept in docs/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cxm.cli import main as cli_main
from cxm.core.settings import Settings


def _pages(
    cmd: click.Command, path: list[str], parent: click.Context | None
) -> list[tuple[list[str], str]]:
    # Each command gets its context under its parent's, as when the CLI runs, so inherited
    # settings (e.g. "-h" as a help option) show the same here as in a terminal.
    settings = {"terminal_width": 100, "max_content_width": 100, **cmd.context_settings}
    ctx = click.Context(cmd, info_name=path[-1], parent=parent, **settings)
    ctx.info_name = " ".join(path) if parent is None else path[-1]
    out = [(path, cmd.get_help(ctx))]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            out.extend(_pages(cmd.commands[name], [*path, name], ctx))
    return out


def cli_reference() -> str:
    lines = [
        "# CLI reference",
        "",
        "Generated from the code by `python -m cxm.reference`; do not edit by hand.",
        "",
    ]
    for path, text in _pages(cli_main, ["cxm"], None):
        lines += [f"## `{' '.join(path)}`", "", "```text", text, "```", ""]
    return "\n".join(lines)


def settings_reference() -> str:
    lines = [
        "# Settings",
        "",
        "Generated from the code by `python -m cxm.reference`; do not edit by hand.",
        "",
        "Each setting is read from a CLI flag where one exists, else the environment "
        "variable, else a `.env` file in the working directory, else the default.",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(none)" if default is None else str(default)
        lines.append(f"| `CXM_{name.upper()}` | `{shown}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"


PAGES = {"docs/reference/cli.md": cli_reference, "docs/reference/settings.md": settings_reference}


def write(root: Path) -> None:
    for rel, render in PAGES.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
