"""`cxm analytics spark batch`: one JSON line per command, errors named, the next line read.
(Its Spark answers are checked by the engine-agreement tests, which all run through it.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_batch_answers_each_line_and_names_what_is_wrong(tmp_path: Path) -> None:
    lines = [
        f"journeys {tmp_path / 'nowhere'} --org-id 1",
        "# a comment, then a blank line",
        "",
        "sideways ./parquet",
        "journeys ./parquet --org-id one",
        "batch",
        "journeys 'unclosed",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "cxm.cli", "analytics", "spark", "batch"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 5 and not any(a["ok"] for a in answers)
    missing, unknown, bad, nested, unreadable = (a["error"] for a in answers)
    assert "has no Parquet export" in missing and "cxm analytics export" in missing
    assert "sideways" in unknown
    assert "--org-id" in bad and "one" in bad
    assert nested == "batch cannot run inside batch"
    assert unreadable.startswith("cannot read the line")
