"""The fuzz harnesses (fuzz/) run: on their seeds in-process, and briefly under atheris.

``python -m fuzz ci`` is the bounded fuzzing job; these tests only make sure every harness
still starts, takes its seeds and finds nothing on them.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz.__main__ import write_seeds
from fuzz.harnesses import HARNESSES

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(HARNESSES)


@pytest.mark.parametrize("name", NAMES)
def test_harness_passes_its_seeds(name: str, tmp_path: Path) -> None:
    seeds = sorted(write_seeds(name, tmp_path).iterdir())
    assert seeds, f"no conformance case gives a seed for {name}"
    for seed in seeds:
        HARNESSES[name].target(seed.read_bytes())


@pytest.mark.parametrize("name", NAMES)
def test_harness_ignores_short_and_empty_inputs(name: str) -> None:
    for data in (b"", b"\x00", b"\xff" * 5, b"\x01" * 9):
        HARNESSES[name].target(data)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed")
@pytest.mark.parametrize("name", NAMES)
def test_harness_runs_under_atheris(name: str, tmp_path: Path) -> None:
    """A few hundred executions in a child process, as `python -m fuzz run` does them."""
    proc = subprocess.run([sys.executable, "-m", "fuzz", "run", name, "--runs", "300",
                           "--seconds", "60", "--no-fork", "--work", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert " ok" in proc.stdout
