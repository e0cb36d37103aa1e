"""Ingestion of a very large photo: a 12000x8000 JPEG, ``--lowres avif``, no captioner.

Makes the JPEG once (from a bundled Kodak photograph, upscaled; cached in the temp
folder), then runs ``gpc encode`` on it in a child process at default settings and
prints the wall time, the child's peak RSS and the file's bytes. The child never holds
the full-size image: JPEG DCT scaling decodes it at 1/8 (refcodec/ingest.py).
Targets: under 10 s (judged on CPU time: on a shared machine the wall time
mostly measures the run queue), under 500 MB peak RSS, under 1 kB.
Run: python benchmarks/bench_ingest.py [--size 12000x8000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from PIL import Image


def make_jpeg(path: Path, size: tuple[int, int]) -> None:
    source = resources.files("refcodec").joinpath("data/samples/kodim23.png")
    with Image.open(str(source)) as image:
        image.convert("RGB").resize(size, Image.Resampling.BILINEAR).save(path, quality=90)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="12000x8000")
    parser.add_argument("--keep", type=Path, help="folder for the JPEG and the .gpc")
    parser.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    if args.make:
        make_jpeg(args.make, (width, height))
        return 0
    folder = args.keep or Path(tempfile.gettempdir()) / "gpc-bench-ingest"
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = folder / f"photo-{width}x{height}.jpg"
    if not jpeg.exists():  # in a child, so this process stays small for the RSS figure
        subprocess.run([sys.executable, __file__, "--make", str(jpeg), "--size", args.size],
                       check=True)
    out = folder / "photo.gpc"
    command = [sys.executable, "-m", "refcodec.cli", "encode", str(jpeg), "-o", str(out),
               "--text", "Image: two macaw parrots, close up; landscape.", "--lowres", "avif"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
    seconds = time.perf_counter() - started
    peak_mb = usage.ru_maxrss / 1024
    assert child.stdout is not None
    assert child.stderr is not None
    stdout, stderr = child.stdout.read(), child.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        print(stderr, file=sys.stderr)
        return 1
    print(f"source: {jpeg.name}, {jpeg.stat().st_size} bytes")
    print(stdout.strip())
    cpu = usage.ru_utime + usage.ru_stime
    print(f"time {seconds:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak_mb:.0f} MB, "
          f"file {out.stat().st_size} bytes "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    # CPU time: on a shared machine the wall time mostly measures the run queue
    ok = cpu < 10 and peak_mb < 500 and out.stat().st_size < 1000
    print("within targets (10 s CPU, 500 MB, 1 kB)" if ok else "OUTSIDE targets")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
