"""Reference pages generated from the code: the CLI and the settings (kept in docs/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cxm.cli import main as cli_main
from cxm.core.settings import Settings


def _commands(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            out.extend(_commands(cmd.commands[name], [*path, name]))
    return out


def cli_reference() -> str:
    lines = [
        "# CLI reference",
        "",
        "Generated from the code by `python -m cxm.reference`; do not edit by hand.",
        "",
    ]
    for path, cmd in _commands(cli_main, ["cxm"]):
        with click.Context(
            cmd, info_name=" ".join(path), terminal_width=100, max_content_width=100
        ) as ctx:
            text = cmd.get_help(ctx)
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
