"""What the engine-agreement tests share: figure-by-figure comparison with the engines' float
rounding, and running the Spark CLI in a process of its own (a data team's way in): one
`cxm analytics spark batch` for the whole run."""

from __future__ import annotations

import atexit
import json
import os
import shlex
import subprocess
import sys
import tempfile
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


class _SparkBatch:
    """One `cxm analytics spark batch` process for the whole test run: Spark starts once."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed with the run

    def ask(self, args: list[str]) -> Any:
        if self.process is None or self.process.poll() is not None:
            command = [sys.executable, "-m", "cxm.cli", "analytics", "spark", "batch"]
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True
            )
            atexit.register(self.close)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(shlex.join(args) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.log.seek(0)
            raise AssertionError(f"the Spark batch process ended: {self.log.read()[-2000:]}")
        said = json.loads(line)
        assert said["ok"], said["error"]
        return said["answer"]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=120)


_BATCH = _SparkBatch()


def spark_cli(directory: Path, options: list[str], what: str = "journeys") -> Any:
    """`cxm analytics spark WHAT DIRECTORY OPTIONS --json`, its JSON answer; all the tests'
    commands go to one `cxm analytics spark batch` process, so Spark starts once per run."""
    return _BATCH.ask([what, str(directory), *options, "--json"])
