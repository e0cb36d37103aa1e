"""Run every benchmark: `make bench` (or `python benchmarks/run.py`)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

for script in sorted(HERE.glob("bench_*.py")):
    print(f"\n=== {script.name} ===")
    runpy.run_path(str(script), run_name="__main__")
