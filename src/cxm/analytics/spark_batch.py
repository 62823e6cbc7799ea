"""`cxm analytics spark batch`: many Spark commands in one Spark session.

Starting Spark (a JVM) takes longer than most of the analyses on a moderate export, so a
data team running several of them, or a program driving cxm, can keep one session: each
line read from standard input is a command as it would follow `cxm analytics spark`
(``journeys ./parquet --org-id 1 --store KYIV-2``); each gets one line of JSON on standard
output, written as soon as it is done: ``{"ok": true, "answer": ...}`` with the command's
``--json`` answer, or ``{"ok": false, "error": "..."}`` naming what was wrong (a bad option,
a missing export), after which the next line is read. The session is stopped at the end.
"""

from __future__ import annotations

import io
import json
import shlex
import sys
from contextlib import redirect_stdout
from typing import Any

import click

from cxm.analytics.engine_commands import KEEP_SESSION, spark_group


def _answer(line: str) -> dict[str, Any]:
    try:
        args = shlex.split(line)
    except ValueError as exc:
        return {"ok": False, "error": f"cannot read the line: {exc}"}
    if args and args[0] == "batch":
        return {"ok": False, "error": "batch cannot run inside batch"}
    if "--json" not in args:
        args.append("--json")
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            spark_group.main(args, prog_name="cxm analytics spark", standalone_mode=False)
    except click.ClickException as exc:
        return {"ok": False, "error": exc.format_message()}
    except click.exceptions.Exit as exc:
        return {"ok": False, "error": f"exited with {exc.exit_code}"}
    except click.exceptions.Abort:
        return {"ok": False, "error": "aborted"}
    try:
        return {"ok": True, "answer": json.loads(out.getvalue())}
    except json.JSONDecodeError:
        return {"ok": False, "error": f"not a JSON answer: {out.getvalue()[:200]}"}


@spark_group.command("batch")
def spark_batch() -> None:
    """Run Spark commands read from standard input, one per line, in one Spark session.

    Each line is a command as it would follow `cxm analytics spark`; each answer is one
    line of JSON: {"ok": true, "answer": ...} or {"ok": false, "error": "..."}.

    \b
    Example:
      printf 'journeys ./parquet --org-id 1\\nrework ./parquet --org-id 1\\n' \\
        | cxm analytics spark batch
    """
    KEEP_SESSION["on"] = True
    try:
        for line in sys.stdin:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            click.echo(json.dumps(_answer(line.strip())), nl=True)
            sys.stdout.flush()
    finally:
        KEEP_SESSION["on"] = False
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # no command could start Spark either
            return
        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
