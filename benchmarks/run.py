"""Run every benchmark: `make bench`, `python -m benchmarks.run` or `python benchmarks/run.py`.

Each ``bench_*.py`` runs as ``python -m benchmarks.bench_<name>`` in its own process, from
the repository root, so that it finds ``refcodec``, ``benchmarks`` and ``tests`` by package
name however this script was started. The first benchmark that fails stops the run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        command = [sys.executable, "-m", f"{HERE.name}.{script.stem}"]
        returncode = subprocess.run(command, cwd=HERE.parent, check=False).returncode
        if returncode:
            return returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
