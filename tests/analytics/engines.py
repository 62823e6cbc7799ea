"""What the engine-agreement tests share: figure-by-figure comparison with the engines' float
rounding, and running the Spark CLI in its own process (a data team's way in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def same_figures(x: Any, y: Any, where: str) -> None:
    """Equal nested dicts, lists and values; floats equal up to the engines' rounding."""
    if isinstance(x, float) and isinstance(y, float):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-12), where
    elif isinstance(x, dict) and isinstance(y, dict):
        assert list(x) == list(y), where
        for key in x:
            same_figures(x[key], y[key], f"{where}.{key}")
    elif isinstance(x, list) and isinstance(y, list):
        assert len(x) == len(y), where
        for i, (a, b) in enumerate(zip(x, y, strict=True)):
            same_figures(a, b, f"{where}[{i}]")
    else:
        assert x == y, where


def spark_ready() -> str | None:
    """Why Spark cannot run here, or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install -e '.[dev]' installs it"
    if not any((Path(p) / "java").exists() for p in os.environ.get("PATH", "").split(os.pathsep)):
        return "Java is not installed: Spark local mode needs Java 17"
    return None


def need_spark() -> None:
    """Skip when Spark cannot run here; fail instead when CXM_TEST_SPARK=1 asks for it."""
    reason = spark_ready()
    if reason:
        if os.environ.get("CXM_TEST_SPARK") == "1":
            pytest.fail(f"CXM_TEST_SPARK=1 but {reason}")
        pytest.skip(reason)


def spark_cli(directory: Path, options: list[str], what: str = "journeys") -> Any:
    """`cxm analytics spark WHAT DIRECTORY OPTIONS --json`, its JSON answer."""
    command = [sys.executable, "-m", "cxm.cli", "analytics", "spark", what]
    done = subprocess.run(
        [*command, str(directory), *options, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
