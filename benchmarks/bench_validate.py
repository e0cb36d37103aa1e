"""Validation speed with libgpc, the C reader (issue: libgpc), against pure Python.

One call of each command over the same folder of text-only files written by the default
encoder (``refcodec.encode``: the smallest text codec, gpc-ppm1 for these) from
~1,250-character raster-scan descriptions, whole process, start-up included, one core:

* baseline: ``gpc validate -q`` in pure Python (``GPC_PURE_PYTHON=1``), on the first
  ``--baseline-files`` files (its rate per file is what is compared; a whole run takes
  about a minute);
* ``gpc validate -q`` with libgpc as its fast path;
* ``gpcc validate -j 1 -q`` (libgpc's own command line, one thread);
* one gpc-ppm1 decode of one text, in process: libgpc through ctypes and the Python model.

Usage: ``python -m benchmarks.bench_validate [--files 10000] [--distinct 1000]``. The files
are made once (``--distinct`` different texts, each written to ``--files / --distinct``
names; 80 ms an encode) and kept in ``benchmarks/.cache/``. libgpc must be built
(``make libgpc``); without it the libgpc rows say so.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks import corpus

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
GPCC = ROOT / "libgpc" / "build" / "gpcc"
TEXT_CHARS = 1250

TARGETS = {"gpcc": 50_000, "gpc+libgpc": 10_000, "decode_us": 50.0}


def description(i: int, texts: list[str]) -> str:
    """A text of about ``TEXT_CHARS`` characters: lines of description ``i mod n`` (up to
    half the text), then the lines after the first of descriptions ``step``, ``2·step``, … on
    (``step`` = 1 + ``i div n``), while they fit; distinct for each ``i`` < n·(n − 1)."""
    n = len(texts)
    start, step = i % n, 1 + i // n
    lines: list[str] = []
    size = 0
    for line in texts[start].split("\n"):  # at most half the text from the first one
        if size + len(line) + 1 > TEXT_CHARS // 2 and lines:
            break
        lines.append(line)
        size += len(line) + 1
    for k in range(1, n):
        for line in texts[(start + k * step) % n].split("\n")[1:]:
            if size + len(line) + 1 <= TEXT_CHARS + 50:  # a line that overshoots is skipped
                lines.append(line)
                size += len(line) + 1
        if size >= TEXT_CHARS - 50:
            break
    return "\n".join(lines)[:TEXT_CHARS + 50]


def _encode(job: tuple[int, str, str]) -> None:
    import refcodec
    from refcodec.atomic import write_atomic

    _, text, path = job
    write_atomic(path, refcodec.build(refcodec.encode(text, size=(1024, 1024))))


def make_files(count: int, distinct: int) -> Path:
    texts = [row["text"] for row in corpus.load()]
    chosen = [description(i, texts) for i in range(distinct)]
    key = hashlib.sha256("\0".join(chosen).encode() + f"{count}".encode()).hexdigest()[:12]
    folder = CACHE / f"validate-{count}-{distinct}-{key}"
    done = folder / ".complete"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    unique = folder / "unique"
    unique.mkdir(parents=True)
    files = folder / "files"
    files.mkdir()
    print(f"   making {distinct} files with the default encoder (once; kept in {folder})",
          flush=True)
    jobs = [(i, text, str(unique / f"{i:05d}.gpc")) for i, text in enumerate(chosen)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_encode, jobs, chunksize=16))
    for i in range(count):
        shutil.copyfile(unique / f"{i % distinct:05d}.gpc", files / f"{i:05d}.gpc")
    done.touch()
    return folder


def whole_process(command: list[str], env: dict[str, str], runs: int) -> float:
    """Best wall-clock seconds of ``runs`` runs (exit 0 required)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def decode_times(payloads: list[tuple[bytes, int]], decode: object, rounds: int) -> float:
    """Mean over texts of the best-of-``rounds`` time of one decode, in µs."""
    per_text = []
    for data, length in payloads:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            decode(data, length)  # type: ignore[operator]
            best = min(best, time.perf_counter() - start)
        per_text.append(best * 1e6)
    return statistics.mean(per_text)


def ppm1_payloads(folder: Path) -> list[tuple[bytes, int]]:
    import refcodec

    payloads = []
    for path in sorted(folder.glob("*.gpc")):
        chunk = refcodec.parse(path.read_bytes()).chunks[0]
        if chunk.codec == 3:  # gpc-ppm1
            payloads.append((chunk.data, chunk.text_length))
    return payloads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=1_000)
    parser.add_argument("--baseline-files", type=int, default=1_000)
    args = parser.parse_args()
    from refcodec import native

    folder = make_files(args.files, args.distinct)
    files, unique = folder / "files", folder / "unique"
    sizes = [p.stat().st_size for p in unique.glob("*.gpc")]
    payloads = ppm1_payloads(unique)
    chars = statistics.mean(length for _, length in payloads) if payloads else 0
    print(f"   {args.files} files ({args.distinct} distinct), mean {statistics.mean(sizes):.0f} "
          f"bytes; {len(payloads)} of {len(sizes)} gpc-ppm1, mean text {chars:.0f} bytes")

    pure_env = {**os.environ, "GPC_PURE_PYTHON": "1"}
    fast_env = {k: v for k, v in os.environ.items() if k != "GPC_PURE_PYTHON"}
    base_dir = folder / "baseline"
    if not base_dir.is_dir():
        base_dir.mkdir()
        for path in sorted(files.glob("*.gpc"))[:args.baseline_files]:
            os.link(path, base_dir / path.name)
    gpc = [sys.executable, "-m", "refcodec", "validate", "-q"]
    base = args.baseline_files / whole_process([*gpc, str(base_dir)], pure_env, 1)
    rows = [("baseline: gpc validate, pure Python", base, None)]
    lib = native.library()
    if lib is None:
        print("   libgpc is not built or not usable (make libgpc): no libgpc rows")
    else:
        rate = args.files / whole_process([*gpc, str(files)], fast_env, 3)
        rows.append(("gpc validate with libgpc", rate, TARGETS["gpc+libgpc"]))
    if GPCC.is_file():
        command = [str(GPCC), "validate", "-j", "1", "-q", str(files)]
        rows.append(("gpcc validate -j 1", args.files / whole_process(command, fast_env, 3),
                     TARGETS["gpcc"]))
    print(f"\n   whole process, one call (pure Python on {args.baseline_files} files):")
    for name, rate, target in rows:
        verdict = "" if target is None else (
            f"  target >= {target:,} files/s: {'met' if rate >= target else 'NOT met'}")
        print(f"   {name:38s} {rate:9,.0f} files/s  {rate / base:7.1f}x baseline{verdict}")

    from refcodec import textmodel

    python_us = decode_times(payloads[:50], textmodel.decode, 2)
    print(f"\n   one gpc-ppm1 decode of a {chars:.0f}-byte text (mean over texts of the best "
          "time):")
    print(f"   {'baseline: Python (refcodec.textmodel)':38s} {python_us:9.1f} µs")
    if lib is not None:
        c_us = decode_times(payloads, lib.ppm1_decode, 20)
        target = TARGETS["decode_us"]
        print(f"   {'libgpc gpc_ppm1_decode (via ctypes)':38s} {c_us:9.1f} µs  "
              f"{python_us / c_us:7.1f}x faster  target <= {target:.0f} µs: "
              f"{'met' if c_us <= target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
