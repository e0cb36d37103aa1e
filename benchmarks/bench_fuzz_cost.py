"""Cost of the reader on the fuzz corpora: `python benchmarks/bench_fuzz_cost.py`.

For every harness (fuzz/harnesses.py), each unit of fuzz/corpus/HARNESS/ and of its seeds
from the conformance cases is turned into the .gpc file the harness parses, and that
file is parsed in this warm process (imports, plugin set-up and model loading are not
counted; the RSS high-water mark is reset before each file, so the peak is the parse's). Printed per
harness: the worst parse time, the worst time per KiB of file, and the worst peak RSS
growth, each as a ratio against a plain text-only file (stored text, ~1.2 kB) measured the
same way in the same run. The bound the reader is held to: every file under 4x the
text-only time and under 100 MB above its memory.

Options: --harness NAME (repeatable), --limit N (units per harness, largest first),
--top K (name the K worst files per harness). The slowest file of each harness is also
timed as a whole `gpc validate` process against the text-only file (--no-process skips
that).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import refcodec
from benchmarks import corpus
from fuzz.__main__ import CASES, CORPUS, write_seeds
from fuzz.harnesses import HARNESSES
from refcodec.errors import BackendUnavailable, FormatError

ROOT = Path(__file__).resolve().parent.parent

_SEEDS = tempfile.TemporaryDirectory(prefix="gpc-bench-seeds-")  # not fuzz/work: a run may use it
TIME_BOUND = 4.0
MEMORY_BOUND_MB = 100.0
REPEAT = 3  # parses per file in the child; the fastest counts (the memory peak is kept)


def _status(field: str) -> int:
    """A /proc/self/status field in kB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux clear_refs 5); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _parse_cost(data: bytes) -> tuple[float, float, str]:
    """(seconds, peak RSS growth in MB, outcome) of refcodec.parse(data) in this process.

    No fork: torch's threads (the neural codec) make a forked child deadlock. The peak RSS
    high-water mark is reset before the parse instead."""
    gc.collect()
    _reset_peak()
    base = _status("VmRSS")
    outcome = "valid"
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        try:
            refcodec.parse(data)
        except FormatError as exc:
            outcome = exc.clause
        except BackendUnavailable:
            outcome = "unchecked"
        except Exception as exc:  # reported, not hidden: a reader bug
            outcome = f"BUG {type(exc).__name__}"
        best = min(best, time.perf_counter() - start)
    grown = max(0, _status("VmHWM") - base) / 1024
    return best, grown, outcome


def validate_process(data: bytes) -> tuple[float, float]:
    """(best wall seconds of 3, max RSS in MB) of `python -m refcodec validate` on ``data``:
    the cost as a user sees it, interpreter start and imports included. The RSS comes from
    /usr/bin/time (a child's ru_maxrss would inherit this large process's high-water mark
    across fork and exec); 0 when it is missing."""
    timer = shutil.which("time", path="/usr/bin")
    with tempfile.TemporaryDirectory() as tmp:
        path, report = Path(tmp) / "f.gpc", Path(tmp) / "rss"
        path.write_bytes(data)
        best, rss = float("inf"), 0.0
        command = [sys.executable, "-m", "refcodec", "validate", "-q", str(path)]
        if timer:
            command = [timer, "-f", "%M", "-o", str(report), *command]
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
            best = min(best, time.perf_counter() - start)
            if timer:
                rss = max(rss, int(report.read_text().split()[-1]) / 1024)
    return best, rss


@dataclass
class Worst:
    seconds: float = 0.0
    per_kib: float = 0.0
    memory: float = 0.0
    files: int = 0
    bugs: int = 0


def files_of(name: str, limit: int | None) -> list[tuple[str, bytes]]:
    harness = HARNESSES[name]
    units = sorted(write_seeds(name, Path(_SEEDS.name)).iterdir())
    folder = CORPUS / name
    if folder.is_dir():
        units += sorted(folder.iterdir())
    units.sort(key=lambda p: -p.stat().st_size)
    out = []
    for unit in units[:limit]:
        file = harness.to_file(unit.read_bytes())
        if file is not None and len(file) > 4:
            out.append((unit.name, file))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--harness", action="append", choices=sorted(HARNESSES))
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--top", type=int, default=1)
    parser.add_argument("--no-process", dest="process", action="store_false",
                        help="skip the whole-process gpc validate timing of the worst files")
    args = parser.parse_args(argv)
    if not sys.platform.startswith("linux") or not _reset_peak():
        print("bench_fuzz_cost needs Linux (/proc/self/clear_refs); skipped")
        return 0

    text = corpus.load("detailed")[0]["text"]
    plain = refcodec.build(refcodec.encode(text, size=(1024, 1024), text_codecs=(0,)))
    for case in sorted(CASES.glob("v-*/input.gpc")):  # warm up: plugins, models, tables
        refcodec.parse(case.read_bytes())
    base_s, base_mb, _ = min(_parse_cost(plain) for _ in range(5))
    base_kib = base_s / max(1.0, len(plain) / 1024)
    print(f"plain text-only file: {len(plain)} B, {base_s * 1e6:.0f} us "
          f"({base_kib * 1e6:.0f} us/KiB), peak RSS growth {base_mb:.1f} MB")
    if args.process:
        plain_wall, plain_rss = validate_process(plain)
        print(f"gpc validate, whole process, on it: {plain_wall:.2f} s, max RSS {plain_rss:.0f} MB")
    sys.stdout.flush()
    print(f"{'harness':13} {'files':>5} {'worst time':>16} {'worst per KiB':>16} "
          f"{'worst RSS growth':>18}  over the bound (4x time, +100 MB)")
    over_any = 0
    for name in args.harness or list(HARNESSES):
        worst = Worst()
        ranked = []
        for unit, file in files_of(name, args.limit):
            seconds, grown, outcome = _parse_cost(file)
            worst.files += 1
            worst.bugs += outcome.startswith("BUG")
            per_kib = seconds / max(1.0, len(file) / 1024)  # tiny files count as 1 KiB
            worst.seconds = max(worst.seconds, seconds)
            worst.per_kib = max(worst.per_kib, per_kib)
            worst.memory = max(worst.memory, grown)
            ranked.append((seconds, grown, len(file), unit, outcome))
        over = [r for r in ranked if r[0] > TIME_BOUND * base_s
                or r[1] > base_mb + MEMORY_BOUND_MB]
        over_any += len(over)
        print(f"{name:13} {worst.files:5} {worst.seconds * 1e3:8.2f} ms "
              f"{worst.seconds / base_s:7.1f}x {worst.per_kib * 1e3:8.2f} ms "
              f"{worst.per_kib / base_kib:6.1f}x"
              f" {worst.memory:9.1f} MB {worst.memory - base_mb:+6.1f}"
              f"  {len(over)} of {worst.files}" + (f"  BUGS: {worst.bugs}" if worst.bugs else ""),
              flush=True)
        for seconds, grown, size, unit, outcome in sorted(ranked, reverse=True)[:args.top]:
            print(f"    slowest: {unit[:16]} {size} B, {seconds * 1e3:.2f} ms, "
                  f"{grown:.1f} MB, {outcome}")
        if ranked and args.process:
            unit = max(ranked)[3]
            file = dict(files_of(name, args.limit))[unit]
            wall, rss = validate_process(file)
            print(f"    gpc validate, whole process, on it: {wall:.2f} s "
                  f"({wall / plain_wall:.1f}x), max RSS {rss:.0f} MB "
                  f"({rss - plain_rss:+.0f} MB)", flush=True)
    print(f"files over the bound: {over_any}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
